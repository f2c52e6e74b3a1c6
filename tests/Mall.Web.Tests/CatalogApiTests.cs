using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mall.Testing;

namespace Mall.Web.Tests;

public class CatalogApiTests
{
    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task The_storefront_product_is_the_same_json_while_cached_and_follows_a_price_change_at_once_and_stock_within_a_second(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        var skus = await ConsoleApiTests.ProductWithSkusAsync(app, 3);
        var productId = await app.ScalarAsync<long>("SELECT product_id FROM mall_sku WHERE id = @id", new { id = skus[0] });
        var url = $"/api/v1/catalog/products/{productId}";
        async Task<string> ReadAsync()
        {
            using var response = await app.Anonymous.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            return await response.Content.ReadAsStringAsync();
        }

        // The shape shoppers and the generated clients know, twice the same while nothing changed.
        var first = await ReadAsync();
        Assert.Equal(first, await ReadAsync());
        var product = JsonDocument.Parse(first).RootElement;
        Assert.Equal(productId, product.GetProperty("id").GetInt64());
        Assert.Equal([10m, 11m, 12m], product.GetProperty("skus").EnumerateArray().Select(s => s.GetProperty("price").GetDecimal()));
        Assert.Equal(50, product.GetProperty("skus")[0].GetProperty("available").GetInt64());
        Assert.False(product.GetProperty("skus")[0].TryGetProperty("reserved", out _));

        // A price edit is seen on the next read; a stock change within the stock lifetime (1 s).
        await ShopperFlowTests.PostOkAsync(app.Admin, "/api/admin/catalog/skus/bulk-edit", new { items = new[] { new { skuId = skus[0], price = 9.5m } }, apply = true, reason = "test" });
        Assert.Equal(9.5m, JsonDocument.Parse(await ReadAsync()).RootElement.GetProperty("skus")[0].GetProperty("price").GetDecimal());
        await ShopperFlowTests.PostOkAsync(app.Admin, $"/api/admin/inventory/skus/{skus[1]}/adjustments", new { delta = -20, reason = "stocktake", reference = "t-" + Guid.NewGuid() });
        var deadline = DateTime.UtcNow.AddSeconds(3);
        long available;
        do available = JsonDocument.Parse(await ReadAsync()).RootElement.GetProperty("skus")[1].GetProperty("available").GetInt64();
        while (available != 30 && DateTime.UtcNow < deadline && await Task.Delay(100).ContinueWith(_ => true));
        Assert.Equal(30, available);
        using var missing = await app.Anonymous.GetAsync("/api/v1/catalog/products/987654321");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Admin_endpoints_need_the_admin_key_and_storefront_is_open(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        using var wrongKey = new HttpRequestMessage(HttpMethod.Get, "/api/admin/catalog/brands");
        wrongKey.Headers.Add("X-Mall-Admin-Key", "guess");

        var none = await app.Anonymous.GetAsync("/api/admin/catalog/brands");
        var wrong = await app.Anonymous.SendAsync(wrongKey);
        var write = await app.Anonymous.PostAsJsonAsync("/api/admin/catalog/brands", new { name = "Sneaky" });
        var ok = await app.Admin.GetAsync("/api/admin/catalog/brands");
        var storefront = await app.Anonymous.GetAsync("/api/v1/catalog/products");

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("application/problem+json", none.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, write.StatusCode);
        Assert.Equal(0, await app.CountAsync("mall_brand"));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.OK, storefront.StatusCode);
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Catalog_round_trip_from_admin_to_storefront(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        var apparel = await app.PostOkAsync("/api/admin/catalog/categories", new { name = "服装 Apparel" });
        var tees = await app.PostOkAsync("/api/admin/catalog/categories", new { name = "T恤 Tees", parentId = apparel.GetProperty("id").GetInt64() });
        var brand = await app.PostOkAsync("/api/admin/catalog/brands", new { name = "青木 Aoki" });
        var teeCategory = tees.GetProperty("id").GetInt64();

        var product = await app.PostOkAsync("/api/admin/catalog/products", new
        {
            name = "纯棉T恤 Cotton Tee",
            categoryId = teeCategory,
            brandId = brand.GetProperty("id").GetInt64(),
            specs = new[] { new { name = "颜色", values = new[] { "黑", "白" } }, new { name = "尺码", values = new[] { "M", "L" } } },
            images = new[] { "https://img.example.com/tee.jpg" },
            skus = new[]
            {
                new { code = "TEE-BM", specValues = new[] { "黑", "M" }, price = 59.9m, stock = 10 },
                new { code = "TEE-BL", specValues = new[] { "黑", "L" }, price = 59.9m, stock = 0 },
                new { code = "TEE-WM", specValues = new[] { "白", "M" }, price = 69.9m, stock = 5 },
            },
        });
        var id = product.GetProperty("id").GetInt64();
        Assert.Equal("draft", product.GetProperty("status").GetString());
        Assert.Equal(3, product.GetProperty("skus").GetArrayLength());

        // Drafts are invisible to shoppers.
        Assert.Equal(HttpStatusCode.NotFound, (await app.Anonymous.GetAsync($"/api/v1/catalog/products/{id}")).StatusCode);
        await app.PostOkAsync($"/api/admin/catalog/products/{id}/publish", new { });

        var detail = await GetJsonAsync(app.Anonymous, $"/api/v1/catalog/products/{id}");
        Assert.Equal(59.9m, detail.GetProperty("minPrice").GetDecimal());
        Assert.Equal(69.9m, detail.GetProperty("maxPrice").GetDecimal());
        var skus = detail.GetProperty("skus").EnumerateArray().ToList();
        Assert.Equal(["黑", "M"], skus[0].GetProperty("specValues").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(10, skus[0].GetProperty("available").GetInt64());
        Assert.False(skus[0].TryGetProperty("sold", out _)); // shoppers do not see sales or reservations

        // Search: keyword (case-insensitive), category subtree, price range, sort.
        Assert.Equal(1, (await SearchAsync(app, "keyword=cotton")).Total);
        Assert.Equal(1, (await SearchAsync(app, $"categoryId={apparel.GetProperty("id").GetInt64()}")).Total);
        Assert.Equal(1, (await SearchAsync(app, "minPrice=60&maxPrice=70")).Total);
        Assert.Equal(0, (await SearchAsync(app, "minPrice=70.5")).Total);
        Assert.Equal(0, (await SearchAsync(app, "keyword=100%25")).Total); // a literal %, not a wildcard
        Assert.Equal(1, (await SearchAsync(app, "sort=priceDesc&page=1&pageSize=5")).Total);

        // Replace the SKU set: TEE-BL goes, TEE-WL comes; stock of kept SKUs is untouched.
        using var put = await app.Admin.PutAsJsonAsync($"/api/admin/catalog/products/{id}", new
        {
            name = "纯棉T恤 Cotton Tee v2",
            categoryId = teeCategory,
            specs = new[] { new { name = "颜色", values = new[] { "黑", "白" } }, new { name = "尺码", values = new[] { "M", "L" } } },
            skus = new[]
            {
                new { code = "TEE-BM", specValues = new[] { "黑", "M" }, price = 49.9m, stock = 999 },
                new { code = "TEE-WM", specValues = new[] { "白", "M" }, price = 69.9m, stock = 0 },
                new { code = "TEE-WL", specValues = new[] { "白", "L" }, price = 69.9m, stock = 7 },
            },
        });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var updated = JsonDocument.Parse(await put.Content.ReadAsStringAsync()).RootElement;
        var codes = updated.GetProperty("skus").EnumerateArray().Select(s => s.GetProperty("code").GetString()).ToList();
        Assert.Equal(["TEE-BM", "TEE-WM", "TEE-WL"], codes);
        Assert.Equal(10, updated.GetProperty("skus")[0].GetProperty("stock").GetProperty("available").GetInt64());
        Assert.Equal(7, updated.GetProperty("skus")[2].GetProperty("stock").GetProperty("available").GetInt64());
        Assert.Equal("published", updated.GetProperty("status").GetString());

        // Unpublish hides it, delete hides it from admin lists too, restore brings it back as a draft.
        await app.PostOkAsync($"/api/admin/catalog/products/{id}/unpublish", new { });
        Assert.Equal(0, (await SearchAsync(app, "")).Total);
        Assert.Equal(HttpStatusCode.NoContent, (await app.Admin.DeleteAsync($"/api/admin/catalog/products/{id}")).StatusCode);
        Assert.Equal(0, (await GetJsonAsync(app.Admin, "/api/admin/catalog/products")).GetProperty("total").GetInt64());
        Assert.Equal(1, (await GetJsonAsync(app.Admin, "/api/admin/catalog/products?includeDeleted=true")).GetProperty("total").GetInt64());
        var restored = await app.PostOkAsync($"/api/admin/catalog/products/{id}/restore", new { });
        Assert.Equal("draft", restored.GetProperty("status").GetString());

        // A category with products cannot be deleted; problem details say why.
        var conflict = await app.Admin.DeleteAsync($"/api/admin/catalog/categories/{teeCategory}");
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Contains("products", (await conflict.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());

        // Category tree: child under parent.
        var tree = await GetJsonAsync(app.Anonymous, "/api/v1/catalog/categories");
        Assert.Equal("T恤 Tees", tree[0].GetProperty("children")[0].GetProperty("category").GetProperty("name").GetString());
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Inventory_admin_adjusts_idempotently_and_reports_the_ledger(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        var category = await app.PostOkAsync("/api/admin/catalog/categories", new { name = "Tea" });
        var product = await app.PostOkAsync("/api/admin/catalog/products", new
        {
            name = "Longjing", categoryId = category.GetProperty("id").GetInt64(),
            skus = new[] { new { code = "LJ-125", price = 268m, stock = 3 } },
        });
        var skuId = product.GetProperty("skus")[0].GetProperty("id").GetInt64();

        var first = await app.PostOkAsync($"/api/admin/inventory/skus/{skuId}/adjustments", new { delta = 20, reason = "Goods received", reference = "GRN-7" });
        var retry = await app.PostOkAsync($"/api/admin/inventory/skus/{skuId}/adjustments", new { delta = 20, reason = "Goods received", reference = "GRN-7" });
        Assert.Equal(23, first.GetProperty("available").GetInt64());
        Assert.Equal(23, retry.GetProperty("available").GetInt64());

        var negative = await app.Admin.PostAsJsonAsync($"/api/admin/inventory/skus/{skuId}/adjustments", new { delta = -50, reason = "Stock take", reference = "ST-1" });
        Assert.Equal(HttpStatusCode.Conflict, negative.StatusCode);
        Assert.Equal("stock.insufficient", (await negative.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());

        var ledger = await GetJsonAsync(app.Admin, $"/api/admin/inventory/skus/{skuId}/movements?page=1&pageSize=10");
        Assert.Equal(2, ledger.GetProperty("total").GetInt64());
        Assert.Equal("adjust", ledger.GetProperty("items")[0].GetProperty("kind").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await app.Admin.GetAsync("/api/admin/inventory/skus/987654")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Admin.GetAsync("/api/admin/inventory/reservations/none")).StatusCode);
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Health_reports_the_database(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        var response = await app.Anonymous.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    internal static async Task<JsonElement> GetJsonAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {url} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<(long Total, JsonElement Items)> SearchAsync(MallApp app, string query)
    {
        var page = await GetJsonAsync(app.Anonymous, "/api/v1/catalog/products?" + query);
        return (page.GetProperty("total").GetInt64(), page.GetProperty("items"));
    }
}
