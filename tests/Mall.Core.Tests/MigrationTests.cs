using System.Data.Common;
using Dapper;
using Mall.Data;
using Mall.Data.Migrations;
using Mall.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mall.Core.Tests;

public class MigrationTests
{
    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Migrations_apply_once_and_are_recorded(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await using var services = db.BuildServices();
        var runner = services.GetRequiredService<MigrationRunner>();

        var first = await runner.MigrateAsync();
        var second = await runner.MigrateAsync();

        Assert.Equal(new CoreMigrations().Migrations.Count, first);
        Assert.Equal(0, second);
        await using var connection = await services.GetRequiredService<IMallDatabase>().OpenConnectionAsync();
        var versions = (await connection.QueryAsync<long>("SELECT version FROM mall_schema_migrations WHERE module = 'Mall.Core' ORDER BY version")).ToList();
        Assert.Equal(new CoreMigrations().Migrations.Select(m => m.Version), versions);
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Two_hosts_starting_together_apply_each_migration_once(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        // Separate service providers stand for separate hosts: nothing is shared but the database.
        var hosts = Enumerable.Range(0, 4).Select(_ => db.BuildServices(s => s.AddSingleton<IMigrationSource, SlowModule>())).ToList();
        try
        {
            var applied = await Task.WhenAll(hosts.Select(h => Task.Run(() => h.GetRequiredService<MigrationRunner>().MigrateAsync())));

            Assert.Equal(new CoreMigrations().Migrations.Count + 2, applied.Sum());
            await using var connection = await hosts[0].GetRequiredService<IMallDatabase>().OpenConnectionAsync();
            var rows = (await connection.QueryAsync<(string Module, long Version)>("SELECT module, version FROM mall_schema_migrations")).ToList();
            Assert.Equal(rows.Count, rows.Distinct().Count());
            Assert.Equal(2, rows.Count(r => r.Module == SlowModule.Name));
            // The migration's own insert ran once: a second run would have added a second row.
            Assert.Equal(1L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM test_slow"));
        }
        finally
        {
            foreach (var host in hosts) await host.DisposeAsync();
        }
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task A_failing_migration_stops_with_module_version_and_statement(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await using var services = db.BuildServices(s => s.AddSingleton<IMigrationSource, BrokenModule>());

        var error = await Assert.ThrowsAsync<MigrationException>(() => services.GetRequiredService<MigrationRunner>().MigrateAsync());

        Assert.Equal(BrokenModule.Name, error.Module);
        Assert.Equal(7, error.Version);
        Assert.Contains("NO_SUCH_TABLE", error.Statement);
        Assert.Contains(BrokenModule.Name, error.Message);
        await using var connection = await services.GetRequiredService<IMallDatabase>().OpenConnectionAsync();
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM mall_schema_migrations WHERE module = @m", new { m = BrokenModule.Name }));
        // The core module before it was applied and stays applied.
        Assert.Equal((long)new CoreMigrations().Migrations.Count, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM mall_schema_migrations WHERE module = 'Mall.Core'"));
    }

    private sealed class SlowModule : IMigrationSource
    {
        public const string Name = "Test.Slow";
        public string Module => Name;
        public IReadOnlyList<Migration> Migrations { get; } = [new Create(), new Fill()];

        private sealed class Create : Migration
        {
            public override long Version => 1;
            public override string Name => "create";
            public override void Up(MigrationBuilder b) => b.CreateTable("test_slow", t => t.Id().String("note", 50));
        }

        private sealed class Fill : Migration
        {
            public override long Version => 2;
            public override string Name => "fill";
            public override void Up(MigrationBuilder b) => b.Sql("INSERT INTO test_slow (note) VALUES ('once')");
        }
    }

    private sealed class BrokenModule : IMigrationSource
    {
        public const string Name = "Test.Broken";
        public string Module => Name;
        public IReadOnlyList<Migration> Migrations { get; } = [new Broken()];

        private sealed class Broken : Migration
        {
            public override long Version => 7;
            public override string Name => "broken";
            public override void Up(MigrationBuilder b) => b.Sql("UPDATE NO_SUCH_TABLE SET x = 1");
        }
    }
}
