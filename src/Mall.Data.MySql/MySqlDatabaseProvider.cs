using System.Data.Common;
using MySqlConnector;

namespace Mall.Data.MySql;

/// <summary>MySQL / MariaDB provider over MySqlConnector (asynchronous I/O end to end, unlike MySql.Data's).</summary>
public sealed class MySqlDatabaseProvider : IMallDatabaseProvider
{
    /// <summary>Name used in <c>Mall:Database:Provider</c>.</summary>
    public const string ProviderName = "MySql";

    /// <inheritdoc />
    public string Name => ProviderName;

    /// <inheritdoc />
    public ISqlDialect Dialect { get; } = new MySqlDialect();

    /// <inheritdoc />
    public DbConnection CreateConnection(string connectionString) => new MySqlConnection(connectionString);

    /// <inheritdoc />
    public Task InitializeAsync(string connectionString, CancellationToken cancellationToken) => Task.CompletedTask;
}
