using System.Data.Common;
using MySqlConnector;

namespace Mall.Data.MySql;

/// <summary>MySQL / MariaDB provider over MySqlConnector (asynchronous I/O end to end, unlike MySql.Data's).</summary>
/// <remarks>
/// Pooled connections are not reset between uses unless the connection string asks for it
/// (<c>Connection Reset=true</c>): MySqlConnector's reset costs a round trip on every open, and Mall leaves no session
/// state behind (every transaction sets its isolation level, named locks are released by their handle, no user
/// variables or temporary tables). Code that runs its own SQL on Mall's connections must do the same.
/// </remarks>
public sealed class MySqlDatabaseProvider : IMallDatabaseProvider
{
    /// <summary>Name used in <c>Mall:Database:Provider</c>.</summary>
    public const string ProviderName = "MySql";

    // The configured string and what it becomes, kept so that opening a connection parses nothing.
    private ConnectionStrings? _last;

    /// <inheritdoc />
    public string Name => ProviderName;

    /// <inheritdoc />
    public ISqlDialect Dialect { get; } = new MySqlDialect();

    /// <inheritdoc />
    public DbConnection CreateConnection(string connectionString)
    {
        var last = _last;
        if (last is null || !string.Equals(last.Configured, connectionString, StringComparison.Ordinal))
            _last = last = new ConnectionStrings(connectionString, WithMallDefaults(connectionString));
        return new MySqlConnection(last.Effective);
    }

    /// <inheritdoc />
    public Task InitializeAsync(string connectionString, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The connection string Mall opens: <c>Connection Reset=false</c> unless the string sets it.</summary>
    private static string WithMallDefaults(string connectionString)
    {
        var builder = new MySqlConnectionStringBuilder(connectionString);
        if (!builder.ContainsKey("Connection Reset")) builder.ConnectionReset = false;
        return builder.ConnectionString;
    }

    private sealed record ConnectionStrings(string Configured, string Effective);
}
