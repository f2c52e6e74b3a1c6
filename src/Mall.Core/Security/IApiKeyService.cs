namespace Mall.Security;

/// <summary>
/// API keys for integrations (ERP, WMS, scripts): each with a name, scopes (<see cref="ApiScopes"/>), an optional IP
/// allow-list and expiry. The secret is shown once, at creation or rotation, and stored as a hash; a rotated key's
/// previous secret stays valid for an overlap; a revoked key stops working on every node at once.
/// </summary>
public interface IApiKeyService
{
    /// <summary>Creates a key; the answer holds its secret, which is never shown again.</summary>
    /// <exception cref="Common.MallValidationException">A bad name, no or unknown scopes, a bad IP range, an expiry in the past.</exception>
    Task<ApiKeyWithSecret> CreateAsync(ApiKeyInput input, string actor, CancellationToken cancellationToken = default);

    /// <summary>Every key (never a secret), newest first.</summary>
    Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>One key, or null.</summary>
    Task<ApiKey?> FindAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gives a key a new secret; the previous one keeps working for <paramref name="overlap"/> (0 to 7 days), so that
    /// an integration can switch without downtime.
    /// </summary>
    /// <exception cref="Common.MallNotFoundException">No such key.</exception>
    /// <exception cref="Common.MallConflictException">It is revoked or expired (<c>apikey.inactive</c>).</exception>
    Task<ApiKeyWithSecret> RotateAsync(long id, TimeSpan overlap, string actor, CancellationToken cancellationToken = default);

    /// <summary>Revokes a key: every node refuses it at once. Revoking again changes nothing.</summary>
    /// <exception cref="Common.MallNotFoundException">No such key.</exception>
    Task<ApiKey> RevokeAsync(long id, string actor, CancellationToken cancellationToken = default);

    /// <summary>
    /// The active key a presented token belongs to, or null (unknown, wrong secret, revoked, expired, or not from an
    /// allowed address). Called on every request that carries a key; answers from a per-node snapshot.
    /// </summary>
    Task<ApiKey?> AuthenticateAsync(string token, System.Net.IPAddress? remoteAddress, CancellationToken cancellationToken = default);
}

/// <summary>A new key.</summary>
/// <param name="Name">What it is for (1–100 characters).</param>
/// <param name="Scopes">One or more of <see cref="ApiScopes.All"/>.</param>
/// <param name="AllowedIps">Addresses or CIDR ranges it may be used from (empty: anywhere), at most 20.</param>
/// <param name="ExpiresAt">When it stops working (UTC), or null for never.</param>
public sealed record ApiKeyInput(string? Name, IReadOnlyList<string>? Scopes, IReadOnlyList<string>? AllowedIps = null, DateTime? ExpiresAt = null);

/// <summary>An API key as the admin API shows it (without any secret).</summary>
/// <param name="Id">Id.</param>
/// <param name="Name">Name.</param>
/// <param name="Prefix">The token's public start (<c>mk_…</c>), to recognise a key in logs.</param>
/// <param name="Scopes">Its scopes.</param>
/// <param name="AllowedIps">Its IP allow-list (empty: anywhere).</param>
/// <param name="ExpiresAt">Expiry (UTC), or null.</param>
/// <param name="PreviousSecretValidUntil">After a rotation, until when the previous secret still works (UTC).</param>
/// <param name="RevokedAt">When it was revoked (UTC), or null.</param>
/// <param name="CreatedAt">Created (UTC).</param>
/// <param name="CreatedBy">Who created it.</param>
public sealed record ApiKey(long Id, string Name, string Prefix, IReadOnlyList<string> Scopes, IReadOnlyList<string> AllowedIps, DateTime? ExpiresAt,
    DateTime? PreviousSecretValidUntil, DateTime? RevokedAt, DateTime CreatedAt, string CreatedBy)
{
    /// <summary>Whether it works at <paramref name="now"/>.</summary>
    public bool IsActiveAt(DateTime now) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > now);
}

/// <summary>A key and its token, shown once.</summary>
/// <param name="Key">The key.</param>
/// <param name="Token">The full token to send in <c>X-Mall-Api-Key</c>; Mall keeps only its hash.</param>
public sealed record ApiKeyWithSecret(ApiKey Key, string Token);
