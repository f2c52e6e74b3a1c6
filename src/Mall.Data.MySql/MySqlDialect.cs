using System.Data.Common;
using Dapper;
using MySqlConnector;

namespace Mall.Data.MySql;

/// <summary>MySQL / MariaDB dialect (InnoDB, utf8mb4). DDL is not transactional here.</summary>
public sealed class MySqlDialect : SqlDialectBase
{
    /// <inheritdoc />
    public override string Name => MySqlDatabaseProvider.ProviderName;

    /// <inheritdoc />
    public override bool SupportsTransactionalDdl => false;

    /// <inheritdoc />
    /// <remarks>Rows changed; Mall's conditional updates always change what they match (counters, timestamps).</remarks>
    public override string CountedUpdate(string updateSql) => $"{updateSql}; SELECT ROW_COUNT()";

    /// <inheritdoc />
    public override string InsertReturningId(string insertSql, string idColumn) => $"{insertSql}; SELECT LAST_INSERT_ID()";

    /// <inheritdoc />
    /// <remarks>
    /// <c>INSERT IGNORE</c> reports 0 affected rows on a duplicate whatever the client's found-rows flag, unlike
    /// <c>ON DUPLICATE KEY UPDATE</c>. It also turns other errors into warnings, so callers validate first.
    /// </remarks>
    public override string InsertIgnoreDuplicate(string table, IReadOnlyList<string> columns, IReadOnlyList<string> values, IReadOnlyList<string> conflictColumns) =>
        "INSERT IGNORE" + Insert(table, columns, values)["INSERT".Length..];

    /// <inheritdoc />
    public override string Upsert(string table, IReadOnlyList<string> columns, IReadOnlyList<string> values, IReadOnlyList<string> conflictColumns, IReadOnlyList<string> updateColumns) =>
        $"{Insert(table, columns, values)} ON DUPLICATE KEY UPDATE {string.Join(", ", updateColumns.Select(c => $"{c} = VALUES({c})"))}";

    /// <inheritdoc />
    public override string TypeName(ColumnType type, int length) => type switch
    {
        Data.ColumnType.Int => "INT",
        Data.ColumnType.BigInt => "BIGINT",
        Data.ColumnType.SmallInt => "SMALLINT",
        Data.ColumnType.String => $"VARCHAR({length})",
        Data.ColumnType.Text => "LONGTEXT",
        Data.ColumnType.Bool => "BOOLEAN",
        Data.ColumnType.DateTime => "DATETIME(6)",
        // Plain text keeps the document as written and works on MySQL, MariaDB and TiDB alike.
        Data.ColumnType.Json => "LONGTEXT",
        Data.ColumnType.Binary => "LONGBLOB",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <inheritdoc />
    public override string IdentityColumn(string name) => $"{name} BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY";

    /// <inheritdoc />
    public override string CreateTableSuffix => " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci";

    /// <inheritdoc />
    public override bool IsUniqueViolation(Exception exception) => Find<MySqlException>(exception) is { ErrorCode: MySqlErrorCode.DuplicateKeyEntry };

    /// <inheritdoc />
    public override bool IsTransient(Exception exception) => Find<MySqlException>(exception) is { ErrorCode: MySqlErrorCode.LockDeadlock or MySqlErrorCode.LockWaitTimeout };

    /// <inheritdoc />
    public override async Task<IAsyncDisposable> AcquireLockAsync(DbConnection connection, string name, TimeSpan timeout, CancellationToken cancellationToken)
    {
        async ValueTask Release() =>
            await connection.ExecuteScalarAsync<long?>(new CommandDefinition("SELECT RELEASE_LOCK(@name)", new { name })).ConfigureAwait(false);

        long? acquired;
        try
        {
            acquired = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                "SELECT GET_LOCK(@name, @seconds)", new { name, seconds = (int)Math.Ceiling(timeout.TotalSeconds) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        catch (Exception) when (connection.State == System.Data.ConnectionState.Open)
        {
            // A cancelled GET_LOCK may have been granted just before the cancel: release it, or the session would take it
            // back to the pool (Mall opens sessions without a reset) and keep it from every other session.
            try { await Release().ConfigureAwait(false); }
            catch (Exception) { /* the first error is the one to report */ }
            throw;
        }
        if (acquired != 1) throw new TimeoutException($"Could not take the database lock '{name}' within {timeout}.");
        return new LockHandle(Release);
    }
}
