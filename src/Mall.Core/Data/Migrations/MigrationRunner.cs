using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Logging;

namespace Mall.Data.Migrations;

/// <summary>
/// Applies pending migrations of every registered <see cref="IMigrationSource"/> and records them in
/// <c>mall_schema_migrations</c>. Safe when several hosts start together: a database-wide named lock admits one
/// runner at a time, and where DDL is transactional each migration re-checks its record inside its own
/// transaction, so a version is never applied twice.
/// </summary>
public sealed class MigrationRunner(IMallDatabase database, IEnumerable<IMigrationSource> sources, TimeProvider clock, ILogger<MigrationRunner> logger)
{
    /// <summary>Name of the table recording applied versions.</summary>
    public const string HistoryTable = "mall_schema_migrations";

    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Applies every pending migration; returns how many ran.</summary>
    /// <exception cref="MigrationException">A migration failed; it names the module, version and statement.</exception>
    public Task<int> MigrateAsync(CancellationToken cancellationToken = default) => MigrateAsync(sources, cancellationToken);

    /// <summary>Applies the pending migrations of one module (a plugin's, when it is installed or upgraded).</summary>
    /// <exception cref="MigrationException">A migration failed; it names the module, version and statement.</exception>
    public Task<int> MigrateAsync(IMigrationSource source, CancellationToken cancellationToken = default) => MigrateAsync([source], cancellationToken);

    /// <summary>Forgets the applied versions of a module (a plugin removed with its data), so a reinstall migrates again.</summary>
    public async Task ForgetAsync(string module, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition($"DELETE FROM {HistoryTable} WHERE module = @module", new { module }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    private async Task<int> MigrateAsync(IEnumerable<IMigrationSource> modules, CancellationToken cancellationToken)
    {
        var dialect = database.Dialect;
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var migrationLock = await dialect.AcquireLockAsync(connection, "mall_migrations", LockTimeout, cancellationToken).ConfigureAwait(false);

        await connection.ExecuteAsync(new CommandDefinition(
            $"CREATE TABLE IF NOT EXISTS {HistoryTable} (module {dialect.TypeName(ColumnType.String, 200)} NOT NULL, version {dialect.TypeName(ColumnType.BigInt, 0)} NOT NULL, " +
            $"name {dialect.TypeName(ColumnType.String, 200)} NOT NULL, applied_at {dialect.TypeName(ColumnType.DateTime, 0)} NOT NULL, PRIMARY KEY (module, version)){dialect.CreateTableSuffix}",
            cancellationToken: cancellationToken)).ConfigureAwait(false);

        var applied = (await connection.QueryAsync<(string Module, long Version)>(new CommandDefinition(
                $"SELECT module, version FROM {HistoryTable}", cancellationToken: cancellationToken)).ConfigureAwait(false))
            .ToHashSet();

        var count = 0;
        foreach (var source in modules)
        {
            var versions = source.Migrations.GroupBy(m => m.Version).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            if (versions.Count > 0) throw new InvalidOperationException($"Module {source.Module} declares migration version {versions[0]} more than once.");

            foreach (var migration in source.Migrations.OrderBy(m => m.Version))
            {
                if (applied.Contains((source.Module, migration.Version))) continue;
                if (await ApplyAsync(connection, source.Module, migration, cancellationToken).ConfigureAwait(false)) count++;
            }
        }
        return count;
    }

    private async Task<bool> ApplyAsync(DbConnection connection, string module, Migration migration, CancellationToken cancellationToken)
    {
        var dialect = database.Dialect;
        var builder = new MigrationBuilder(dialect);
        migration.Up(builder);

        await using var transaction = dialect.SupportsTransactionalDdl
            ? await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false)
            : null;

        // Re-check inside the transaction: on SQLite the write transaction is the lock.
        var already = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT COUNT(*) FROM {HistoryTable} WHERE module = @module AND version = @version",
            new { module, version = migration.Version }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (already > 0) return false;

        logger.LogInformation("Applying migration {Module} v{Version}: {Name}", module, migration.Version, migration.Name);
        foreach (var statement in builder.Statements)
        {
            try
            {
                await connection.ExecuteAsync(new CommandDefinition(statement, transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                if (transaction is not null) await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
                throw new MigrationException(module, migration.Version, migration.Name, statement, ex);
            }
        }

        await connection.ExecuteAsync(new CommandDefinition(
            $"INSERT INTO {HistoryTable} (module, version, name, applied_at) VALUES (@module, @version, @name, @now)",
            new { module, version = migration.Version, name = migration.Name, now = clock.GetUtcNow().UtcDateTime }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (transaction is not null) await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }
}
