using Mall.Data.MySql;
using Mall.Data.PostgreSql;
using Mall.Data.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using Npgsql;

namespace Mall.Testing;

/// <summary>
/// A new, empty database on one of the three supported engines: a temporary SQLite file, or a database created on
/// the MariaDB / PostgreSQL server that <c>./build.sh test</c> started (connection strings in
/// <c>MALL_TEST_MYSQL</c> / <c>MALL_TEST_POSTGRES</c>). Dropped on dispose.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    /// <summary>The provider names every data test runs against.</summary>
    public static readonly string[] Providers = [SqliteDatabaseProvider.ProviderName, MySqlDatabaseProvider.ProviderName, PostgreSqlDatabaseProvider.ProviderName];

    /// <summary>xunit member data: one row per provider.</summary>
    public static IEnumerable<object[]> All => Providers.Select(p => new object[] { p });

    private readonly Func<Task> _drop;

    /// <summary>
    /// Tests run hundreds of concurrent callers (and some test code blocks on tasks), so the thread pool starts
    /// with enough threads instead of growing one or two a second, which would run other tests' connection attempts
    /// into their timeouts.
    /// </summary>
    static TestDatabase()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 300), Math.Max(io, 300));
    }

    private TestDatabase(string provider, string connectionString, Func<Task> drop)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _drop = drop;
    }

    /// <summary>Provider name.</summary>
    public string Provider { get; }

    /// <summary>Connection string of the new database.</summary>
    public string ConnectionString { get; }

    /// <summary>Creates a new empty database.</summary>
    public static async Task<TestDatabase> CreateAsync(string provider)
    {
        var name = "mall_t_" + Guid.NewGuid().ToString("N")[..16];
        switch (provider)
        {
            case SqliteDatabaseProvider.ProviderName:
            {
                var path = Path.Combine(Path.GetTempPath(), name + ".db");
                return new TestDatabase(provider, $"Data Source={path};Default Timeout=60", () =>
                {
                    SqliteConnection.ClearAllPools();
                    foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(path + suffix);
                    return Task.CompletedTask;
                });
            }
            case MySqlDatabaseProvider.ProviderName:
            {
                var server = Require("MALL_TEST_MYSQL");
                await ExecuteAsync(new MySqlConnection(server), $"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
                var cs = new MySqlConnectionStringBuilder(server) { Database = name, MaximumPoolSize = 200 }.ConnectionString;
                return new TestDatabase(provider, cs, async () =>
                {
                    MySqlConnection.ClearAllPools();
                    await ExecuteAsync(new MySqlConnection(server), $"DROP DATABASE IF EXISTS {name}");
                });
            }
            case PostgreSqlDatabaseProvider.ProviderName:
            {
                var server = Require("MALL_TEST_POSTGRES");
                await ExecuteAsync(new NpgsqlConnection(server), $"CREATE DATABASE {name}");
                var cs = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
                return new TestDatabase(provider, cs, async () =>
                {
                    NpgsqlConnection.ClearAllPools();
                    await ExecuteAsync(new NpgsqlConnection(server), $"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                });
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(provider), provider, "Unknown provider.");
        }
    }

    /// <summary>Configures the Mall options of a service collection for this database.</summary>
    public void Configure(MallOptions options)
    {
        options.Database.Provider = Provider;
        options.Database.ConnectionString = ConnectionString;
    }

    /// <summary>A service provider with the Mall core services on this database (not yet migrated).</summary>
    public ServiceProvider BuildServices(Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection()
            .AddLogging()
            .AddMallCore()
            .AddMallSqlite()
            .AddMallMySql()
            .AddMallPostgreSql()
            .AddSingleton<Mall.Security.IPasswordHasher, Mall.Web.Security.AspNetCorePasswordHasher>();
        services.Configure<MallOptions>(Configure);
        configure?.Invoke(services);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await _drop();

    private static string Require(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{variable} is not set. Run the tests with ./build.sh test, which starts MariaDB, PostgreSQL and Redis and sets it.");

    private static async Task ExecuteAsync(System.Data.Common.DbConnection connection, string sql)
    {
        await using (connection)
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync();
        }
    }
}
