using Mall.Catalog;
using Mall.Data.Migrations;

namespace Mall.Bench.Http;

/// <summary>Migrates and seeds a catalog of published products with 4 SKUs each (once per database).</summary>
internal static class BenchCatalogSeeder
{
    public static async Task SeedAsync(IServiceProvider services, int count)
    {
        await services.GetRequiredService<MigrationRunner>().MigrateAsync();
        var products = services.GetRequiredService<IProductService>();
        if ((await products.SearchAsync(new ProductQuery { PageSize = 1, IncludeDeleted = true })).Total > 0) return;

        var category = await services.GetRequiredService<ICategoryService>().CreateAsync(new CategoryInput { Name = "Bench" });
        string[] sizes = ["S", "M", "L", "XL"];
        for (var i = 1; i <= count; i++)
        {
            var product = await products.CreateAsync(new ProductInput
            {
                Name = $"基准商品 Bench product {i}",
                Subtitle = "Benchmark",
                Description = "<p>" + string.Concat(Enumerable.Repeat("A product used by the benchmarks. ", 8)) + "</p>",
                CategoryId = category.Id,
                Specs = [new SpecDimension("Size", sizes)],
                Images = [$"/images/{i}.jpg", $"/images/{i}-2.jpg"],
                Skus = sizes.Select((size, k) => new SkuInput
                {
                    Code = $"B{i}-{size}", SpecValues = [size], Price = 99.5m + k, MemberPrice = 95m + k, WeightGrams = 300, Stock = 1000,
                }).ToList(),
            });
            await products.SetStatusAsync(product.Id, ProductStatus.Published);
        }
    }
}
