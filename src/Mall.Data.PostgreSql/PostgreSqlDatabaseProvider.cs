using System.Data.Common;
using Npgsql;

namespace Mall.Data.PostgreSql;

/// <summary>PostgreSQL provider over Npgsql (truly asynchronous I/O).</summary>
public sealed class PostgreSqlDatabaseProvider : IMallDatabaseProvider
{
    /// <summary>Name used in <c>Mall:Database:Provider</c>.</summary>
    public const string ProviderName = "PostgreSql";

    /// <inheritdoc />
    public string Name => ProviderName;

    /// <inheritdoc />
    public ISqlDialect Dialect { get; } = new PostgreSqlDialect();

    /// <inheritdoc />
    public DbConnection CreateConnection(string connectionString) => new NpgsqlConnection(connectionString);
}
