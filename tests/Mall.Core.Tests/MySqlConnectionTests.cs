using Dapper;
using Mall.Data;
using Mall.Data.Migrations;
using Mall.Data.MySql;
using Mall.Testing;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Mall.Core.Tests;

/// <summary>Mall's MySQL / MariaDB connections skip the driver's per-open reset; nothing may leak between uses.</summary>
public class MySqlConnectionTests
{
    [Theory]
    [InlineData("Server=db;Database=mall", false)]
    [InlineData("Server=db;Database=mall;Connection Reset=true", true)]
    [InlineData("Server=db;Database=mall;ConnectionReset=True", true)]
    [InlineData("Server=db;Database=mall;Connection Reset=false", false)]
    public void Connections_are_reset_only_when_the_connection_string_asks(string connectionString, bool reset)
    {
        var provider = new MySqlDatabaseProvider();

        // Twice: the second call comes from the provider's cache of the last string.
        foreach (var connection in new[] { provider.CreateConnection(connectionString), provider.CreateConnection(connectionString) })
        {
            var effective = new MySqlConnectionStringBuilder(connection.ConnectionString);
            Assert.Equal(reset, effective.ConnectionReset);
            Assert.Equal("db", effective.Server);
            Assert.Equal("mall", effective.Database);
        }
    }

    [Fact]
    public async Task A_reused_connection_carries_no_transaction_or_lock_from_its_last_use()
    {
        await using var db = await TestDatabase.CreateAsync(MySqlDatabaseProvider.ProviderName);
        // One pooled connection, so every use below is the same server session.
        await using var services = db.BuildServices(s => s.Configure<MallOptions>(o => o.Database.ConnectionString = db.ConnectionString + ";Maximum Pool Size=1"));
        var database = services.GetRequiredService<IMallDatabase>();
        await services.GetRequiredService<MigrationRunner>().MigrateAsync(); // takes and releases the named migration lock
        await using (var setup = await database.OpenConnectionAsync())
            await setup.ExecuteAsync("CREATE TABLE probe (id INT NOT NULL) ENGINE=InnoDB");

        long sessionInTransaction = 0;
        await Assert.ThrowsAsync<InvalidOperationException>(() => database.InTransactionAsync<int>(async transaction =>
        {
            sessionInTransaction = await transaction.Connection!.ExecuteScalarAsync<long>("SELECT CONNECTION_ID()", transaction: transaction);
            await transaction.Connection!.ExecuteAsync("INSERT INTO probe (id) VALUES (1)", transaction: transaction);
            throw new InvalidOperationException("work failed after writing");
        }));

        await using var connection = await database.OpenConnectionAsync();
        Assert.Equal(sessionInTransaction, await connection.ExecuteScalarAsync<long>("SELECT CONNECTION_ID()"));
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = CONNECTION_ID()"));
        // The lock name is server-wide: another test's migrations may hold it, but not this session.
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT IS_USED_LOCK('mall_migrations') <=> CONNECTION_ID()"));
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM probe"));
    }
}
