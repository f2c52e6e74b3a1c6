using System.Data.Common;

namespace Mall.Data;

/// <summary>
/// A database Mall can run on. Provider packages (<c>Mall.Data.Sqlite</c>, <c>Mall.Data.MySql</c>,
/// <c>Mall.Data.PostgreSql</c>) each contribute one; <see cref="MallDatabaseOptions.Provider"/> picks it by name.
/// </summary>
public interface IMallDatabaseProvider
{
    /// <summary>The name used in configuration (<c>Mall:Database:Provider</c>), compared case-insensitively.</summary>
    string Name { get; }

    /// <summary>The provider's SQL dialect.</summary>
    ISqlDialect Dialect { get; }

    /// <summary>Creates a closed connection.</summary>
    DbConnection CreateConnection(string connectionString);

    /// <summary>Prepares a freshly opened connection (session settings). Called for every connection Mall opens.</summary>
    ValueTask PrepareConnectionAsync(DbConnection connection, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>One-time preparation before the first connection (driver fixes, creating the database file, journal mode).</summary>
    Task InitializeAsync(string connectionString, CancellationToken cancellationToken) => Task.CompletedTask;
}
