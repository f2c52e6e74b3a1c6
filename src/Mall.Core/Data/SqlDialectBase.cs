using System.Data;
using System.Data.Common;

namespace Mall.Data;

/// <summary>Shared parts of the built-in dialects; providers override what differs.</summary>
public abstract class SqlDialectBase : ISqlDialect
{
    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public abstract bool SupportsTransactionalDdl { get; }

    /// <inheritdoc />
    public abstract string CountedUpdate(string updateSql);

    /// <inheritdoc />
    public virtual IsolationLevel DefaultIsolationLevel => IsolationLevel.ReadCommitted;

    /// <inheritdoc />
    public virtual string InsertReturningId(string insertSql, string idColumn) => $"{insertSql} RETURNING {idColumn}";

    /// <inheritdoc />
    public virtual string InsertIgnoreDuplicate(string table, IReadOnlyList<string> columns, IReadOnlyList<string> values, IReadOnlyList<string> conflictColumns) =>
        $"{Insert(table, columns, values)} ON CONFLICT ({string.Join(", ", conflictColumns)}) DO NOTHING";

    /// <inheritdoc />
    public virtual string Upsert(string table, IReadOnlyList<string> columns, IReadOnlyList<string> values, IReadOnlyList<string> conflictColumns, IReadOnlyList<string> updateColumns) =>
        $"{Insert(table, columns, values)} ON CONFLICT ({string.Join(", ", conflictColumns)}) DO UPDATE SET {string.Join(", ", updateColumns.Select(c => $"{c} = excluded.{c}"))}";

    /// <inheritdoc />
    public virtual string ForUpdate => " FOR UPDATE";

    /// <inheritdoc />
    public virtual string JsonValue(string parameter) => parameter;

    /// <inheritdoc />
    public virtual string ContainsIgnoreCase(string column, string patternParameter) => $"{column} LIKE {patternParameter} ESCAPE '!'";

    /// <inheritdoc />
    public virtual string InList(string column, string listParameter) => $"{column} IN {listParameter}";

    /// <inheritdoc />
    public virtual string Page(string skipParameter, string takeParameter) => $"LIMIT {takeParameter} OFFSET {skipParameter}";

    /// <inheritdoc />
    public abstract string TypeName(ColumnType type, int length);

    /// <inheritdoc />
    public abstract string IdentityColumn(string name);

    /// <inheritdoc />
    public virtual string CreateTableSuffix => "";

    /// <inheritdoc />
    public abstract bool IsUniqueViolation(Exception exception);

    /// <inheritdoc />
    public abstract bool IsTransient(Exception exception);

    /// <inheritdoc />
    public abstract Task<IAsyncDisposable> AcquireLockAsync(DbConnection connection, string name, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>A plain <c>INSERT INTO table (columns) VALUES (values)</c>.</summary>
    protected static string Insert(string table, IReadOnlyList<string> columns, IReadOnlyList<string> values)
    {
        if (columns.Count != values.Count) throw new ArgumentException("Each column needs one value.", nameof(values));
        return $"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", values)})";
    }

    /// <summary>Finds an exception of type <typeparamref name="T"/> in <paramref name="exception"/> or its inner exceptions.</summary>
    protected static T? Find<T>(Exception? exception) where T : Exception
    {
        for (var e = exception; e is not null; e = e.InnerException)
            if (e is T match) return match;
        return null;
    }

    /// <summary>A lock handle that releases by running <paramref name="release"/>.</summary>
    protected sealed class LockHandle(Func<ValueTask> release) : IAsyncDisposable
    {
        private int _released;

        /// <inheritdoc />
        public ValueTask DisposeAsync() => Interlocked.Exchange(ref _released, 1) == 0 ? release() : ValueTask.CompletedTask;
    }
}
