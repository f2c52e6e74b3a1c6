using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Mall.Data.Sqlite;

/// <summary>The embedded SQLite provider: one file, write-ahead logging, no server.</summary>
public sealed class SqliteDatabaseProvider : IMallDatabaseProvider
{
    /// <summary>Name used in <c>Mall:Database:Provider</c>.</summary>
    public const string ProviderName = "Sqlite";

    /// <inheritdoc />
    public string Name => ProviderName;

    /// <inheritdoc />
    public ISqlDialect Dialect { get; } = new SqliteDialect();

    /// <inheritdoc />
    public DbConnection CreateConnection(string connectionString) => new SqliteConnection(connectionString);

    /// <inheritdoc />
    public async Task InitializeAsync(string connectionString, CancellationToken cancellationToken)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        var path = builder.DataSource;
        if (!string.IsNullOrEmpty(path) && path != ":memory:" && builder.Mode != SqliteOpenMode.Memory)
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        }
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        // Readers do not block the writer and the writer does not block readers.
        command.CommandText = "PRAGMA journal_mode = WAL";
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
