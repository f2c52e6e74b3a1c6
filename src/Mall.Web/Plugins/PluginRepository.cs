using System.Text.Json.Nodes;
using Dapper;
using Mall.Data;
using Mall.Plugins;

namespace Mall.Web.Plugins;

/// <summary>A row of <c>mall_plugin</c>: one installed (or removed-with-data) plugin.</summary>
internal sealed record PluginRecord(string Id, string Version, PluginState State, JsonObject? Settings, string? LastError, DateTime? LastErrorAt, DateTime InstalledAt);

/// <summary>The installed set, persisted so that a restart or another node comes back to it.</summary>
internal sealed class PluginRepository(IMallDatabase database, TimeProvider clock)
{
    public async Task<IReadOnlyList<PluginRecord>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            "SELECT id AS Id, version AS Version, state AS State, settings AS Settings, last_error AS LastError, last_error_at AS LastErrorAt, installed_at AS InstalledAt FROM mall_plugin ORDER BY id",
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => r.ToRecord()).ToList();
    }

    public async Task<PluginRecord?> FindAsync(string id, CancellationToken cancellationToken) =>
        (await ListAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(r => r.Id == id);

    /// <summary>Writes the whole row (insert or update).</summary>
    public Task SaveAsync(PluginRecord record, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async tx =>
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var values = new
            {
                record.Id, record.Version, State = (short)record.State, Settings = record.Settings?.ToJsonString(),
                record.LastError, LastErrorAt = record.LastErrorAt, InstalledAt = record.InstalledAt, now,
            };
            var updated = await tx.Connection!.ExecuteAsync(new CommandDefinition(
                "UPDATE mall_plugin SET version = @Version, state = @State, settings = @Settings, last_error = @LastError, last_error_at = @LastErrorAt, installed_at = @InstalledAt, updated_at = @now WHERE id = @Id",
                values, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (updated == 0)
                await tx.Connection!.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO mall_plugin (id, version, state, settings, last_error, last_error_at, installed_at, updated_at) VALUES (@Id, @Version, @State, @Settings, @LastError, @LastErrorAt, @InstalledAt, @now)",
                    values, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return updated;
        }, cancellationToken);

    /// <summary>Records a runtime failure of an enabled plugin without changing its state.</summary>
    public async Task RecordErrorAsync(string id, string error, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE mall_plugin SET last_error = @error, last_error_at = @now WHERE id = @id",
            new { id, error, now = clock.GetUtcNow().UtcDateTime }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task DeleteAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM mall_plugin WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Keeps an uploaded package (replacing an earlier upload of the same version) so that every node can load it.</summary>
    public Task SavePackageAsync(string id, string version, byte[] content, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async tx =>
        {
            var values = new { id, version, content, sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content)), now = clock.GetUtcNow().UtcDateTime };
            await tx.Connection!.ExecuteAsync(new CommandDefinition("DELETE FROM mall_plugin_package WHERE plugin_id = @id AND version = @version", values, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return await tx.Connection!.ExecuteAsync(new CommandDefinition(
                "INSERT INTO mall_plugin_package (plugin_id, version, content, sha256, uploaded_at) VALUES (@id, @version, @content, @sha256, @now)",
                values, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>The kept packages: id, version and content hash.</summary>
    public async Task<IReadOnlyList<(string Id, string Version, string Sha256)>> ListPackagesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<(string, string, string)>(new CommandDefinition(
            "SELECT plugin_id, version, sha256 FROM mall_plugin_package", cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
    }

    /// <summary>The package file of one version, or null.</summary>
    public async Task<byte[]?> LoadPackageAsync(string id, string version, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<byte[]?>(new CommandDefinition(
            "SELECT content FROM mall_plugin_package WHERE plugin_id = @id AND version = @version", new { id, version }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    private sealed class Row
    {
        public string Id { get; set; } = "";
        public string Version { get; set; } = "";
        public short State { get; set; }
        public string? Settings { get; set; }
        public string? LastError { get; set; }
        public DateTime? LastErrorAt { get; set; }
        public DateTime InstalledAt { get; set; }

        public PluginRecord ToRecord() => new(Id, Version, (PluginState)State,
            Settings is null ? null : JsonNode.Parse(Settings) as JsonObject, LastError, LastErrorAt is { } at ? DateTime.SpecifyKind(at, DateTimeKind.Utc) : null, DateTime.SpecifyKind(InstalledAt, DateTimeKind.Utc));
    }
}
