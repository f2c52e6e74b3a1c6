using Mall.Catalog;
using Mall.Data.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace Mall.Testing;

/// <summary>A migrated test database with the core services on it.</summary>
public sealed class CoreTestContext : IAsyncDisposable
{
    private CoreTestContext(TestDatabase database, ServiceProvider services)
    {
        Database = database;
        Services = services;
    }

    /// <summary>The database.</summary>
    public TestDatabase Database { get; }

    /// <summary>Core services on it.</summary>
    public ServiceProvider Services { get; }

    /// <summary>Resolves a service.</summary>
    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <summary>Creates a fresh migrated database on <paramref name="provider"/>.</summary>
    public static async Task<CoreTestContext> CreateAsync(string provider, Action<IServiceCollection>? configure = null)
    {
        var database = await TestDatabase.CreateAsync(provider);
        var services = database.BuildServices(configure);
        await services.GetRequiredService<MigrationRunner>().MigrateAsync();
        return new CoreTestContext(database, services);
    }

    /// <summary>Creates a category and a product with one SKU per given stock (codes unique per call).</summary>
    public async Task<Product> CreateProductAsync(params int[] stocks)
    {
        var category = await Get<ICategoryService>().CreateAsync(new CategoryInput { Name = "Test category" });
        var prefix = Guid.NewGuid().ToString("N")[..8];
        var sizes = stocks.Select((_, i) => $"S{i}").ToList();
        return await Get<IProductService>().CreateAsync(new ProductInput
        {
            Name = "Test product " + prefix,
            CategoryId = category.Id,
            Specs = [new SpecDimension("Size", sizes)],
            Skus = stocks.Select((stock, i) => new SkuInput { Code = $"{prefix}-{i}", SpecValues = [sizes[i]], Price = 10.5m + i, Stock = stock }).ToList(),
        });
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Database.DisposeAsync();
    }
}
