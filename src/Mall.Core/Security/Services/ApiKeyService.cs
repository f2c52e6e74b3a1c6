using System.Net;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Mall.Clustering;
using Mall.Common;
using Mall.Data;

namespace Mall.Security.Services;

/// <summary>
/// Default <see cref="IApiKeyService"/>: keys in <c>mall_api_key</c>; requests are checked against a per-node snapshot
/// that every change drops on every node at once (cluster topic <see cref="Topic"/>), and that is re-read at least
/// every 30 s should a message be lost.
/// </summary>
internal sealed class ApiKeyService(IMallDatabase database, IClusterBus bus, Mall.Auditing.IAuditContext audit, TimeProvider clock) : IApiKeyService, IDisposable
{
    /// <summary>The cluster topic key changes are announced on.</summary>
    public const string Topic = "mall.apikeys";

    /// <summary>How every token starts.</summary>
    public const string TokenStart = "mk_";

    private static readonly TimeSpan MaxOverlap = TimeSpan.FromDays(7);
    private readonly CachedSnapshot<IReadOnlyDictionary<string, Row>> _keys = new(clock, TimeSpan.FromSeconds(30), bus, Topic);

    /// <inheritdoc />
    public async Task<ApiKeyWithSecret> CreateAsync(ApiKeyInput input, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var now = clock.GetUtcNow().UtcDateTime;
        var errors = new ValidationErrors();
        errors.Required("name", input.Name, 100);
        var scopes = (input.Scopes ?? []).Select(s => s?.Trim() ?? "").Distinct(StringComparer.Ordinal).ToList();
        if (scopes.Count == 0) errors.Add("scopes", $"lists at least one of {string.Join(", ", ApiScopes.All)}.");
        else if (scopes.Where(s => !ApiScopes.IsKnown(s)).ToList() is { Count: > 0 } unknown)
            errors.Add("scopes", $"unknown scope(s) '{string.Join("', '", unknown)}'; known scopes are {string.Join(", ", ApiScopes.All)}.");
        var ips = (input.AllowedIps ?? []).Select(s => s?.Trim() ?? "").Distinct(StringComparer.Ordinal).ToList();
        if (ips.Count > 20) errors.Add("allowedIps", "lists at most 20 addresses or ranges.");
        for (var i = 0; i < ips.Count && i < 20; i++)
            if (ParseRange(ips[i]) is null) errors.Add($"allowedIps[{i}]", $"'{ips[i]}' is not an IP address or CIDR range (e.g. 10.0.0.0/8, 2001:db8::/32).");
        if (input.ExpiresAt is { } expires && expires.ToUniversalTime() <= now) errors.Add("expiresAt", "must be in the future.");
        errors.ThrowIfAny();

        var prefix = TokenStart + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var secret = NewSecret();
        var id = await database.InTransactionAsync(async tx => Audited(await tx.Connection!.ExecuteScalarAsync<long>(new CommandDefinition(
            database.Dialect.InsertReturningId(
                "INSERT INTO mall_api_key (name, prefix, secret_hash, previous_secret_hash, previous_valid_until, scopes, allowed_ips, expires_at, revoked_at, created_by, created_at, updated_at) " +
                "VALUES (@name, @prefix, @hash, NULL, NULL, @scopes, @ips, @expires, NULL, @actor, @now, @now)", "id"),
            new
            {
                name = input.Name!.Trim(), prefix, hash = Hash(secret), scopes = string.Join(',', scopes), ips = string.Join(',', ips),
                expires = input.ExpiresAt?.ToUniversalTime(), actor = Bounded(actor), now,
            }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)), cancellationToken).ConfigureAwait(false);
        await _keys.InvalidateEverywhereAsync().ConfigureAwait(false);
        return new ApiKeyWithSecret((await FindAsync(id, cancellationToken).ConfigureAwait(false))!, $"{prefix}.{secret}");
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<Row>(new CommandDefinition($"SELECT {Columns} FROM mall_api_key ORDER BY id DESC", cancellationToken: cancellationToken)).ConfigureAwait(false))
            .Select(r => r.ToKey()).ToList();
    }

    /// <inheritdoc />
    public async Task<ApiKey?> FindAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<Row>(new CommandDefinition($"SELECT {Columns} FROM mall_api_key WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .SingleOrDefault()?.ToKey();
    }

    /// <inheritdoc />
    public async Task<ApiKeyWithSecret> RotateAsync(long id, TimeSpan overlap, string actor, CancellationToken cancellationToken = default)
    {
        if (overlap < TimeSpan.Zero || overlap > MaxOverlap) throw new MallValidationException("overlap", "is from 0 to 7 days (e.g. \"1.00:00:00\").");
        var secret = NewSecret();
        var prefix = await database.InTransactionAsync(async tx =>
        {
            var row = await LockAsync(tx, id, cancellationToken).ConfigureAwait(false);
            var now = clock.GetUtcNow().UtcDateTime;
            if (!row.ToKey().IsActiveAt(now)) throw new MallConflictException($"API key {id} is revoked or expired; create a new one.") { Code = "apikey.inactive" };
            await tx.Connection!.ExecuteAsync(new CommandDefinition(
                "UPDATE mall_api_key SET previous_secret_hash = @previous, previous_valid_until = @until, secret_hash = @hash, updated_at = @now WHERE id = @id",
                new { previous = overlap > TimeSpan.Zero ? row.SecretHash : null, until = overlap > TimeSpan.Zero ? now + overlap : (DateTime?)null, hash = Hash(secret), now, id },
                tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return row.Prefix;
        }, cancellationToken).ConfigureAwait(false);
        await _keys.InvalidateEverywhereAsync().ConfigureAwait(false);
        return new ApiKeyWithSecret((await FindAsync(id, cancellationToken).ConfigureAwait(false))!, $"{prefix}.{secret}");
    }

    /// <inheritdoc />
    public async Task<ApiKey> RevokeAsync(long id, string actor, CancellationToken cancellationToken = default)
    {
        await database.InTransactionAsync(async tx =>
        {
            await LockAsync(tx, id, cancellationToken).ConfigureAwait(false);
            var now = clock.GetUtcNow().UtcDateTime;
            return await tx.Connection!.ExecuteAsync(new CommandDefinition(
                "UPDATE mall_api_key SET revoked_at = @now, previous_secret_hash = NULL, previous_valid_until = NULL, updated_at = @now WHERE id = @id AND revoked_at IS NULL",
                new { now, id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        await _keys.InvalidateEverywhereAsync().ConfigureAwait(false);
        return (await FindAsync(id, cancellationToken).ConfigureAwait(false))!;
    }

    /// <inheritdoc />
    public async Task<ApiKey?> AuthenticateAsync(string token, IPAddress? remoteAddress, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 100 || !token.StartsWith(TokenStart, StringComparison.Ordinal)) return null;
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0) return null;
        var keys = await _keys.GetAsync(ReadAllAsync, cancellationToken).ConfigureAwait(false);
        if (!keys.TryGetValue(token[..dot], out var row)) return null;
        var now = clock.GetUtcNow().UtcDateTime;
        // On every keyed request: hashed on the stack and compared with the row's hash bytes (decoded once per snapshot).
        Span<byte> secret = stackalloc byte[Encoding.UTF8.GetMaxByteCount(100)];
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(secret[..Encoding.UTF8.GetBytes(token.AsSpan(dot + 1), secret)], hash);
        var matches = CryptographicOperations.FixedTimeEquals(hash, row.SecretHashBytes)
            || (row.PreviousSecretHashBytes is { } previous && row.PreviousValidUntil > now && CryptographicOperations.FixedTimeEquals(hash, previous));
        if (!matches) return null;
        var key = row.Key;
        if (!key.IsActiveAt(now)) return null;
        if (row.Ranges.Count > 0 && (remoteAddress is null || !row.Ranges.Any(r => r.Contains(remoteAddress.IsIPv4MappedToIPv6 ? remoteAddress.MapToIPv4() : remoteAddress)))) return null;
        return key;
    }

    /// <summary>Stops listening for other nodes' changes.</summary>
    public void Dispose() => _keys.Dispose();

    private async Task<IReadOnlyDictionary<string, Row>> ReadAllAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition($"SELECT {Columns} FROM mall_api_key WHERE revoked_at IS NULL", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.ToDictionary(r => r.Prefix, StringComparer.Ordinal);
    }

    private async Task<Row> LockAsync(System.Data.Common.DbTransaction tx, long id, CancellationToken cancellationToken) =>
        (await tx.Connection!.QueryAsync<Row>(new CommandDefinition($"SELECT {Columns} FROM mall_api_key WHERE id = @id{database.Dialect.ForUpdate}", new { id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false))
        .SingleOrDefault() ?? throw new MallNotFoundException($"API key {id} does not exist.");

    private static string NewSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string Bounded(string actor) => string.IsNullOrWhiteSpace(actor) ? "unknown" : actor.Length <= 100 ? actor : actor[..100];

    /// <summary>An address (as a one-address range) or a CIDR range, or null.</summary>
    /// <summary>Names a new key in the request's audit entry (never its secret).</summary>
    private long Audited(long id)
    {
        audit.Current?.SetEntity("api-key", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return id;
    }

    internal static IPNetwork? ParseRange(string text)
    {
        if (IPNetwork.TryParse(text, out var network)) return network;
        return IPAddress.TryParse(text, out var address) ? new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128) : null;
    }

    private const string Columns =
        "id AS Id, name AS Name, prefix AS Prefix, secret_hash AS SecretHash, previous_secret_hash AS PreviousSecretHash, previous_valid_until AS PreviousValidUntil, " +
        "scopes AS Scopes, allowed_ips AS AllowedIps, expires_at AS ExpiresAt, revoked_at AS RevokedAt, created_by AS CreatedBy, created_at AS CreatedAt";

    private sealed class Row
    {
        private ApiKey? _key;
        private IReadOnlyList<IPNetwork>? _ranges;
        private byte[]? _secretHash, _previousHash;
        public long Id { get; set; }
        public string Name { get; set; } = "";
        public string Prefix { get; set; } = "";
        public string SecretHash { get; set; } = "";
        public string? PreviousSecretHash { get; set; }
        public DateTime? PreviousValidUntil { get; set; }
        public string Scopes { get; set; } = "";
        public string AllowedIps { get; set; } = "";
        public DateTime? ExpiresAt { get; set; }
        public DateTime? RevokedAt { get; set; }
        public string CreatedBy { get; set; } = "";
        public DateTime CreatedAt { get; set; }

        public ApiKey Key => _key ??= ToKey();
        public byte[] SecretHashBytes => _secretHash ??= Convert.FromHexString(SecretHash);
        public byte[]? PreviousSecretHashBytes => PreviousSecretHash is null ? null : _previousHash ??= Convert.FromHexString(PreviousSecretHash);
        public IReadOnlyList<IPNetwork> Ranges => _ranges ??= Split(AllowedIps).Select(r => ParseRange(r)!.Value).ToList();

        public ApiKey ToKey() => new(Id, Name, Prefix, Split(Scopes), Split(AllowedIps), Utc(ExpiresAt),
            PreviousSecretHash is null ? null : Utc(PreviousValidUntil), Utc(RevokedAt), DateTime.SpecifyKind(CreatedAt, DateTimeKind.Utc), CreatedBy);

        private static string[] Split(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries);
        private static DateTime? Utc(DateTime? value) => value is { } v ? DateTime.SpecifyKind(v, DateTimeKind.Utc) : null;
    }
}
