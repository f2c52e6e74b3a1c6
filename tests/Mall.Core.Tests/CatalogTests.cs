using Mall.Catalog;
using Mall.Common;
using Mall.Data;
using Mall.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mall.Core.Tests;

public class CatalogTests
{
    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Search_pages_sorts_and_filters_consistently(string provider)
    {
        await using var ctx = await CoreTestContext.CreateAsync(provider);
        var categories = ctx.Get<ICategoryService>();
        var products = ctx.Get<IProductService>();
        var root = await categories.CreateAsync(new CategoryInput { Name = "Root" });
        var child = await categories.CreateAsync(new CategoryInput { Name = "Child", ParentId = root.Id });
        var other = await categories.CreateAsync(new CategoryInput { Name = "Other" });
        for (var i = 1; i <= 25; i++)
        {
            var p = await products.CreateAsync(new ProductInput
            {
                Name = i % 5 == 0 ? $"Special_{i} 100% 特价" : $"Item {i}",
                CategoryId = i % 2 == 0 ? child.Id : other.Id,
                Skus = [new SkuInput { Code = $"S-{i}", Price = i * 1.25m, Stock = 1 }],
            });
            if (i != 25) await products.SetStatusAsync(p.Id, ProductStatus.Published);
        }

        var page2 = await products.SearchAsync(new ProductQuery { Status = ProductStatus.Published, Sort = ProductSort.PriceAsc, Page = 2, PageSize = 10 });
        Assert.Equal(24, page2.Total);
        Assert.Equal(3, page2.TotalPages);
        Assert.Equal(Enumerable.Range(11, 10).Select(i => i * 1.25m), page2.Items.Select(p => p.MinPrice));

        var desc = await products.SearchAsync(new ProductQuery { Sort = ProductSort.PriceDesc, PageSize = 3 });
        Assert.Equal([31.25m, 30m, 28.75m], desc.Items.Select(p => p.MaxPrice));

        // Category filters include descendants; a root with only a child's products finds them.
        var inRoot = await products.SearchAsync(new ProductQuery { CategoryId = root.Id, PageSize = 100 });
        Assert.Equal(12, inRoot.Total);
        Assert.All(inRoot.Items, p => Assert.Equal(child.Id, p.CategoryId));

        // Keywords are literal: '_' and '%' are not wildcards; matching ignores case; Chinese works.
        Assert.Equal(5, (await products.SearchAsync(new ProductQuery { Keyword = "special_" })).Total);
        Assert.Equal(5, (await products.SearchAsync(new ProductQuery { Keyword = "100%" })).Total);
        Assert.Equal(0, (await products.SearchAsync(new ProductQuery { Keyword = "Item_" })).Total);
        Assert.Equal(5, (await products.SearchAsync(new ProductQuery { Keyword = "特价" })).Total);
        Assert.Equal(3, (await products.SearchAsync(new ProductQuery { Keyword = "item 1", MaxPrice = 15m })).Total); // every word: Item 1, 11, 12
        Assert.Equal(4, (await products.SearchAsync(new ProductQuery { MinPrice = 10m, MaxPrice = 14m })).Total); // 10, 11.25, 12.5, 13.75

        // Price ranges match SKU prices, not the span between a product's cheapest and dearest SKU.
        var span = await products.CreateAsync(new ProductInput
        {
            Name = "Span", CategoryId = other.Id, Specs = [new SpecDimension("V", ["a", "b"])],
            Skus = [new SkuInput { Code = "SPAN-A", SpecValues = ["a"], Price = 100m }, new SkuInput { Code = "SPAN-B", SpecValues = ["b"], Price = 200m }],
        });
        Assert.DoesNotContain(span.Id, (await products.SearchAsync(new ProductQuery { MinPrice = 120m, MaxPrice = 180m })).Items.Select(p => p.Id));
        Assert.Contains(span.Id, (await products.SearchAsync(new ProductQuery { MinPrice = 150m, MaxPrice = 250m })).Items.Select(p => p.Id));
        Assert.Contains(span.Id, (await products.SearchAsync(new ProductQuery { MinPrice = 150m })).Items.Select(p => p.Id));

        var bad = await Assert.ThrowsAsync<MallValidationException>(() => products.SearchAsync(new ProductQuery { Page = 0, PageSize = 101, MinPrice = -1 }));
        Assert.Equal(["minPrice", "page", "pageSize"], bad.Errors.Keys.Order());
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Concurrent_creates_with_one_SKU_code_let_exactly_one_win(string provider)
    {
        await using var ctx = await CoreTestContext.CreateAsync(provider);
        var category = await ctx.Get<ICategoryService>().CreateAsync(new CategoryInput { Name = "C" });
        var products = ctx.Get<IProductService>();

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            try
            {
                await products.CreateAsync(new ProductInput
                {
                    Name = $"Racer {i}", CategoryId = category.Id,
                    Skus = [new SkuInput { Code = $"OWN-{i}", Price = 1 }, new SkuInput { Code = "SHARED", Price = 1 }],
                    Specs = [new SpecDimension("V", ["a", "b"])],
                } with { Skus = [new SkuInput { Code = $"OWN-{i}", SpecValues = ["a"], Price = 1, Stock = 2 }, new SkuInput { Code = "SHARED", SpecValues = ["b"], Price = 1, Stock = 2 }] });
                return true;
            }
            catch (MallConflictException e) when (e.Code == "sku.duplicate_code")
            {
                return false;
            }
        })));

        Assert.Equal(1, results.Count(won => won));
        await using var connection = await ctx.Get<IMallDatabase>().OpenConnectionAsync();
        // The losers wrote nothing: one product, its two SKUs and their two stock records.
        Assert.Equal(1L, await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, "SELECT COUNT(*) FROM mall_product"));
        Assert.Equal(2L, await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, "SELECT COUNT(*) FROM mall_sku"));
        Assert.Equal(2L, await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, "SELECT COUNT(*) FROM mall_inventory"));
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Round_trips_every_field_exactly(string provider)
    {
        await using var ctx = await CoreTestContext.CreateAsync(provider);
        var category = await ctx.Get<ICategoryService>().CreateAsync(new CategoryInput { Name = "鞋 Shoes", ImageUrl = "https://cdn.example.com/c.png", SortOrder = 3 });
        var brand = await ctx.Get<IBrandService>().CreateAsync(new BrandInput { Name = "远航 Voyager", Description = "说明" });
        var before = DateTime.UtcNow.AddSeconds(-5);

        var created = await ctx.Get<IProductService>().CreateAsync(new ProductInput
        {
            Name = "  跑鞋 Runner  ", Subtitle = "轻 Light", Description = "<p>🏃 emoji ok</p>", CategoryId = category.Id, BrandId = brand.Id,
            Specs = [new SpecDimension("颜色", ["红", "蓝"]), new SpecDimension("码", ["42", "43"])],
            Images = ["https://cdn.example.com/1.jpg", "/local/2.jpg"],
            Skus = [new SkuInput { Code = "RUN-R42", SpecValues = ["红", "42"], Price = 99_999_999.99m, MemberPrice = 0.01m, MarketPrice = 120m, Barcode = "6901234567890", WeightGrams = 812, ImageUrl = "/r.jpg", Stock = 7, LowStockThreshold = 2 }],
        });
        var loaded = (await ctx.Get<IProductService>().FindAsync(created.Id, storefront: false))!;

        Assert.Equal("跑鞋 Runner", loaded.Name);
        Assert.Equal("<p>🏃 emoji ok</p>", loaded.Description);
        Assert.Equal(brand.Id, loaded.BrandId);
        Assert.Equal(["颜色", "码"], loaded.Specs.Select(s => s.Name));
        Assert.Equal(["红", "蓝"], loaded.Specs[0].Values);
        Assert.Equal(["https://cdn.example.com/1.jpg", "/local/2.jpg"], loaded.Images);
        var sku = Assert.Single(loaded.Skus);
        Assert.Equal((99_999_999.99m, 0.01m, 120m), (sku.Price, sku.MemberPrice!.Value, sku.MarketPrice!.Value));
        Assert.Equal(["红", "42"], sku.SpecValues);
        Assert.Equal(("6901234567890", 812, "/r.jpg"), (sku.Barcode, sku.WeightGrams, sku.ImageUrl));
        Assert.Equal((7L, 7L, 0L, 0L, 2), (sku.Stock.Received, sku.Stock.Available, sku.Stock.Reserved, sku.Stock.Sold, sku.Stock.LowStockThreshold));
        Assert.Equal(DateTimeKind.Utc, loaded.CreatedAt.Kind);
        Assert.InRange(loaded.CreatedAt, before, DateTime.UtcNow.AddSeconds(5));
        Assert.Null(await ctx.Get<IProductService>().FindAsync(created.Id, storefront: true)); // a draft
    }

    [Fact]
    public void Code_and_configuration_select_the_same_provider()
    {
        var services = new ServiceCollection().AddLogging().AddMallCore().AddMallSqlite().AddMallMySql().AddMallPostgreSql();
        services.Configure<MallOptions>(o => o.UsePostgreSql("Host=127.0.0.1;Database=x"));
        using var provider = services.BuildServiceProvider();
        Assert.Equal("PostgreSql", provider.GetRequiredService<IMallDatabase>().Dialect.Name);

        var unknown = new ServiceCollection().AddLogging().AddMallCore().AddMallSqlite();
        unknown.Configure<MallOptions>(o => o.Database.Provider = "Oracle");
        using var broken = unknown.BuildServiceProvider();
        var error = Assert.Throws<InvalidOperationException>(() => broken.GetRequiredService<IMallDatabase>());
        Assert.Contains("'Oracle'", error.Message);
        Assert.Contains("Sqlite", error.Message);
    }
}
