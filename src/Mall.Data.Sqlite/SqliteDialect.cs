using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Mall.Data.Sqlite;

/// <summary>
/// SQLite dialect. SQLite locks the whole database for a write transaction (Microsoft.Data.Sqlite begins
/// transactions with <c>BEGIN IMMEDIATE</c>), so there are no row locks and transactions are serializable.
/// </summary>
public sealed class SqliteDialect : SqlDialectBase
{
    /// <inheritdoc />
    public override string Name => SqliteDatabaseProvider.ProviderName;

    /// <inheritdoc />
    public override bool SupportsTransactionalDdl => true;

    /// <inheritdoc />
    public override string CountedUpdate(string updateSql) => $"{updateSql}; SELECT changes()";

    /// <inheritdoc />
    public override IsolationLevel DefaultIsolationLevel => IsolationLevel.Serializable;

    /// <inheritdoc />
    public override string ForUpdate => "";

    /// <inheritdoc />
    public override string TypeName(ColumnType type, int length) => type switch
    {
        Data.ColumnType.Int or Data.ColumnType.BigInt or Data.ColumnType.SmallInt or Data.ColumnType.Bool => "INTEGER",
        Data.ColumnType.Binary => "BLOB",
        _ => "TEXT",
    };

    /// <inheritdoc />
    public override string IdentityColumn(string name) => $"{name} INTEGER PRIMARY KEY AUTOINCREMENT";

    /// <inheritdoc />
    public override bool IsUniqueViolation(Exception exception) =>
        Find<SqliteException>(exception) is { SqliteErrorCode: 19, SqliteExtendedErrorCode: 2067 or 1555 };

    /// <inheritdoc />
    public override bool IsTransient(Exception exception) =>
        Find<SqliteException>(exception) is { SqliteErrorCode: 5 or 6 };

    /// <inheritdoc />
    /// <remarks>
    /// SQLite has no named locks; the migration runner's per-migration write transaction (which locks the whole
    /// file and re-checks the history inside) already excludes a second runner.
    /// </remarks>
    public override Task<IAsyncDisposable> AcquireLockAsync(DbConnection connection, string name, TimeSpan timeout, CancellationToken cancellationToken) =>
        Task.FromResult<IAsyncDisposable>(new LockHandle(() => ValueTask.CompletedTask));
}
