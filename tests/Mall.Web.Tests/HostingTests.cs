using Mall.Data.Migrations;
using Mall.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mall.Web.Tests;

public class HostingTests
{
    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task A_failing_migration_stops_start_up_with_a_clear_error(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var factory = MallApp.CreateFactory(database, s => s.AddSingleton<IMigrationSource, BrokenPluginSchema>());

        var error = Assert.Throws<MigrationException>(() => factory.CreateClient());

        Assert.Equal("Acme.Broken", error.Module);
        Assert.Equal(3, error.Version);
        Assert.Contains("ALTER TABLE acme_missing", error.Statement);
        Assert.Contains("Migration Acme.Broken v3", error.Message);
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task A_restarted_host_applies_nothing_twice_and_keeps_its_data(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using (var first = MallApp.CreateFactory(database))
        {
            using var admin = first.CreateClient();
            admin.DefaultRequestHeaders.Add("X-Mall-Admin-Key", MallApp.AdminKey);
            (await admin.PostAsync("/api/admin/catalog/brands", new StringContent("""{"name":"Kept"}""", System.Text.Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        }
        await using var second = MallApp.CreateFactory(database);
        using var client = second.CreateClient();

        var brands = await CatalogApiTests.GetJsonAsync(client, "/api/v1/catalog/brands");
        Assert.Equal("Kept", Assert.Single(brands.EnumerateArray()).GetProperty("name").GetString());
        Assert.Equal(0, await second.Services.GetRequiredService<MigrationRunner>().MigrateAsync());
    }

    private sealed class BrokenPluginSchema : IMigrationSource
    {
        public string Module => "Acme.Broken";
        public IReadOnlyList<Migration> Migrations { get; } = [new Broken()];

        private sealed class Broken : Migration
        {
            public override long Version => 3;
            public override string Name => "add a column to a table that does not exist";
            public override void Up(MigrationBuilder b) => b.AddColumn("acme_missing", "note", Data.ColumnType.String, 20);
        }
    }
}
