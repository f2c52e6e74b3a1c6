using System.Data;
using System.Data.Common;

namespace Mall.Data;

/// <summary>
/// The differences between the SQL databases Mall runs on, so that repository code is written once. Everything
/// that differs between SQLite, MySQL/MariaDB and PostgreSQL (identity columns, upsert, RETURNING, row locks,
/// booleans, JSON, case-insensitive matching, locks, error classification) is asked of the dialect, never
/// switched on in callers. Parameters are always written <c>@name</c>.
/// </summary>
public interface ISqlDialect
{
    /// <summary>Provider name, e.g. <c>Sqlite</c>, <c>MySql</c>, <c>PostgreSql</c>.</summary>
    string Name { get; }

    /// <summary>True when DDL statements take part in transactions (SQLite, PostgreSQL; not MySQL).</summary>
    bool SupportsTransactionalDdl { get; }

    /// <summary>
    /// An <c>UPDATE</c> that also answers, as a one-row result of one column, how many rows it changed: so that an
    /// update and what depends on its count travel in one multi-statement command (MySQL <c>ROW_COUNT()</c>, SQLite
    /// <c>changes()</c>, PostgreSQL a data-modifying <c>WITH</c>).
    /// </summary>
    /// <param name="updateSql">An <c>UPDATE</c> statement without a terminating semicolon.</param>
    string CountedUpdate(string updateSql);

    /// <summary>Isolation level Mall's own transactions use.</summary>
    IsolationLevel DefaultIsolationLevel { get; }

    /// <summary>Appends what makes an <c>INSERT</c> return the new identity value as a single scalar.</summary>
    /// <param name="insertSql">An <c>INSERT INTO … VALUES (…)</c> statement without a terminating semicolon.</param>
    /// <param name="idColumn">The identity column.</param>
    string InsertReturningId(string insertSql, string idColumn);

    /// <summary>
    /// An <c>INSERT</c> that does nothing when a row with the same unique key exists (affects 0 rows then).
    /// </summary>
    /// <param name="table">Table name.</param>
    /// <param name="columns">Column names.</param>
    /// <param name="values">Value expressions, one per column (usually parameters).</param>
    /// <param name="conflictColumns">The columns of the unique key that may conflict.</param>
    string InsertIgnoreDuplicate(string table, IReadOnlyList<string> columns, IReadOnlyList<string> values, IReadOnlyList<string> conflictColumns);

    /// <summary>An <c>INSERT</c> that updates <paramref name="updateColumns"/> from the new values on a unique-key conflict.</summary>
    string Upsert(string table, IReadOnlyList<string> columns, IReadOnlyList<string> values, IReadOnlyList<string> conflictColumns, IReadOnlyList<string> updateColumns);

    /// <summary>Suffix of a <c>SELECT</c> that locks the rows read until the transaction ends (empty where the whole database is locked by the write transaction).</summary>
    string ForUpdate { get; }

    /// <summary>Wraps a parameter that carries a JSON document as text for a JSON column.</summary>
    string JsonValue(string parameter);

    /// <summary>A case-insensitive <c>LIKE</c> of a column against a pattern parameter, with <c>!</c> as escape character.</summary>
    string ContainsIgnoreCase(string column, string patternParameter);

    /// <summary>
    /// <c>column IN (…)</c> for a list parameter. Dapper expands a list into one parameter per item, except on
    /// PostgreSQL, where it passes an array (<c>= ANY(@list)</c>).
    /// </summary>
    string InList(string column, string listParameter);

    /// <summary>Limit/offset clause for paging.</summary>
    string Page(string skipParameter, string takeParameter);

    /// <summary>The database type name of a portable column type, e.g. <c>VARCHAR(200)</c>.</summary>
    string TypeName(ColumnType type, int length);

    /// <summary>Renders an auto-incrementing 64-bit primary key column definition.</summary>
    string IdentityColumn(string name);

    /// <summary>Suffix of a <c>CREATE TABLE</c> statement (e.g. engine and character set on MySQL).</summary>
    string CreateTableSuffix { get; }

    /// <summary>True when the exception is a unique-key violation.</summary>
    bool IsUniqueViolation(Exception exception);

    /// <summary>True when the exception is transient (deadlock, serialization failure, busy database) and the whole transaction may be retried.</summary>
    bool IsTransient(Exception exception);

    /// <summary>
    /// Takes a named lock that excludes other connections, also on other hosts, until the returned handle is
    /// disposed. Used so that two nodes starting together do not run the same migration twice.
    /// </summary>
    Task<IAsyncDisposable> AcquireLockAsync(DbConnection connection, string name, TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>Portable column types of the schema builder.</summary>
public enum ColumnType
{
    /// <summary>32-bit integer.</summary>
    Int,
    /// <summary>64-bit integer (also money in cents).</summary>
    BigInt,
    /// <summary>Small integer, used for enums.</summary>
    SmallInt,
    /// <summary>Variable-length string with a maximum length.</summary>
    String,
    /// <summary>Long text.</summary>
    Text,
    /// <summary>Boolean.</summary>
    Bool,
    /// <summary>UTC timestamp with at least microsecond precision.</summary>
    DateTime,
    /// <summary>JSON document.</summary>
    Json,
    /// <summary>Bytes (a package file): BLOB, LONGBLOB or BYTEA.</summary>
    Binary,
}
