using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mall.Testing;
using Mall.Web.Tests.Payments;
using Mall.Web.Tests.Plugins;

namespace Mall.Web.Tests;

/// <summary>
/// The API the merchant console stands on, beyond the resource endpoints: SKU bulk edit, bulk ship, the order-number
/// filter, the dashboard report and the screens plugins contribute — on every database.
/// </summary>
public class ConsoleApiTests
{
    private const string BulkEdit = "/api/admin/catalog/skus/bulk-edit";

    /// <summary>A published product with <paramref name="skus"/> SKUs priced 10.00, 11.00, … with 50 units each.</summary>
    internal static async Task<List<long>> ProductWithSkusAsync(MallApp app, int skus)
    {
        var category = await app.PostOkAsync("/api/admin/catalog/categories", new { name = "Bulk" });
        var product = await app.PostOkAsync("/api/admin/catalog/products", new
        {
            name = "Bulk product", categoryId = category.GetProperty("id").GetInt64(),
            specs = new[] { new { name = "尺码", values = Enumerable.Range(0, skus).Select(i => $"S{i:00}").ToArray() } },
            skus = Enumerable.Range(0, skus).Select(i => new { code = $"BULK-{i:00}-{Guid.NewGuid():N}"[..20], specValues = new[] { $"S{i:00}" }, price = 10m + i, stock = 50 }).ToArray(),
        });
        await app.PostOkAsync($"/api/admin/catalog/products/{product.GetProperty("id").GetInt64()}/publish", new { });
        return product.GetProperty("skus").EnumerateArray().Select(s => s.GetProperty("id").GetInt64()).ToList();
    }

    private static async Task<decimal> PriceAsync(MallApp app, long skuId, string field = "price") =>
        (await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/catalog/products/{await app.ScalarAsync<long>("SELECT product_id FROM mall_sku WHERE id = @skuId", new { skuId })}"))
            .GetProperty("skus").EnumerateArray().Single(s => s.GetProperty("id").GetInt64() == skuId).GetProperty(field).GetDecimal();

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Bulk_edit_previews_without_writing_applies_in_one_transaction_and_writes_nothing_on_a_bad_line(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        var skus = await ProductWithSkusAsync(app, 20);
        var items = skus.Select((id, i) => new { skuId = id, price = 20m + i, memberPrice = (decimal?)(19m + i), stock = (long?)(i == 0 ? 5 : null) }).ToArray();

        // Preview: every row before and after, nothing changed.
        var preview = await ShopperFlowTests.PostOkAsync(app.Admin, BulkEdit, new { items, apply = false });
        Assert.False(preview.GetProperty("applied").GetBoolean());
        Assert.Equal(20, preview.GetProperty("changed").GetInt32());
        var first = preview.GetProperty("rows")[0];
        Assert.Equal(10m, first.GetProperty("priceBefore").GetDecimal());
        Assert.Equal(20m, first.GetProperty("priceAfter").GetDecimal());
        Assert.Equal(50, first.GetProperty("stockBefore").GetInt64());
        Assert.Equal(5, first.GetProperty("stockAfter").GetInt64());
        Assert.Equal(10m, await PriceAsync(app, skus[0]));
        Assert.Equal(50, await ShopperFlowTests.AvailableAsync(app, skus[0]));

        // One bad line among twenty: 400 naming it, and not one SKU changed.
        var bad = items.Select((item, i) => i == 7 ? item with { price = -1m } : item).ToArray();
        using var rejected = await app.Admin.PostAsJsonAsync(BulkEdit, new { items = bad, apply = true, reason = "price list 2027" });
        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        Assert.Equal("application/problem+json", rejected.Content.Headers.ContentType?.MediaType);
        var problem = await rejected.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("items[7].price", out _), problem.ToString());
        Assert.All(skus, id => Assert.Equal(10m + skus.IndexOf(id), PriceAsync(app, id).GetAwaiter().GetResult()));
        Assert.Equal(50, await ShopperFlowTests.AvailableAsync(app, skus[0]));

        // An unknown SKU is named too.
        using var unknown = await app.Admin.PostAsJsonAsync(BulkEdit, new { items = new[] { new { skuId = 999_999_999L, price = 1m } }, apply = true });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.True((await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("items[0].skuId", out _));

        // Apply: every price and member price, and the stock set through a ledger movement with the reason.
        var applied = await ShopperFlowTests.PostOkAsync(app.Admin, BulkEdit, new { items, apply = true, reason = "price list 2027" });
        Assert.True(applied.GetProperty("applied").GetBoolean());
        for (var i = 0; i < skus.Count; i++) Assert.Equal(20m + i, await PriceAsync(app, skus[i]));
        Assert.Equal(19m, await PriceAsync(app, skus[0], "memberPrice"));
        Assert.Equal(5, await ShopperFlowTests.AvailableAsync(app, skus[0]));
        var movements = await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/inventory/skus/{skus[0]}/movements");
        Assert.Contains("price list 2027", movements.ToString());

        // The storefront sells at the new price.
        var product = await CatalogApiTests.GetJsonAsync(app.Anonymous, $"/api/v1/catalog/products/{await app.ScalarAsync<long>("SELECT product_id FROM mall_sku WHERE id = @id", new { id = skus[3] })}");
        Assert.Contains(product.GetProperty("skus").EnumerateArray(), s => s.GetProperty("id").GetInt64() == skus[3] && s.GetProperty("price").GetDecimal() == 23m);

        // Applying the same edit again changes nothing.
        var again = await ShopperFlowTests.PostOkAsync(app.Admin, BulkEdit, new { items, apply = true, reason = "price list 2027" });
        Assert.Equal(0, again.GetProperty("changed").GetInt32());
    }

    private static async Task<(long Id, string Number, decimal Total)> OrderAsync(MallApp app, HttpClient shopper, long skuId, bool pay)
    {
        using var place = ShopperFlowTests.OrderRequest(skuId, 1, null);
        using var response = await shopper.SendAsync(place);
        var order = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, order.ToString());
        var id = order.GetProperty("id").GetInt64();
        if (pay) await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{id}/dev-pay");
        return (id, order.GetProperty("number").GetString()!, order.GetProperty("total").GetDecimal());
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Bulk_ship_ships_each_listed_order_on_its_own_and_says_why_the_rest_did_not(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        var (_, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 20, price: 5m);
        using var shopper = await app.ShopperAsync("13700000001");
        var a = await OrderAsync(app, shopper, skuId, pay: true);
        var b = await OrderAsync(app, shopper, skuId, pay: true);
        var unpaid = await OrderAsync(app, shopper, skuId, pay: false);

        // The number filter finds exactly one order.
        var byNumber = await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/orders?number={b.Number}");
        Assert.Equal(b.Id, Assert.Single(byNumber.GetProperty("items").EnumerateArray()).GetProperty("id").GetInt64());
        Assert.Empty((await CatalogApiTests.GetJsonAsync(app.Admin, "/api/admin/orders?number=NO-SUCH-ORDER")).GetProperty("items").EnumerateArray());

        // A list naming one order twice, or without a tracking number, is refused whole.
        using var twice = await app.Admin.PostAsJsonAsync("/api/admin/orders/bulk-ship", new { items = new[] { new { number = a.Number, carrier = "SF", trackingNumber = "SF1" }, new { number = a.Number, carrier = "SF", trackingNumber = "SF2" } } });
        Assert.Equal(HttpStatusCode.BadRequest, twice.StatusCode);
        Assert.True((await twice.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("items[1].number", out _));
        using var untracked = await app.Admin.PostAsJsonAsync("/api/admin/orders/bulk-ship", new { items = new[] { new { number = a.Number, carrier = "SF", trackingNumber = "" } } });
        Assert.Equal(HttpStatusCode.BadRequest, untracked.StatusCode);
        Assert.Equal("paid", (await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/orders/{a.Id}")).GetProperty("status").GetString());

        var result = await ShopperFlowTests.PostOkAsync(app.Admin, "/api/admin/orders/bulk-ship", new
        {
            items = new[]
            {
                new { number = a.Number, carrier = "SF Express", trackingNumber = "SF-A" },
                new { number = unpaid.Number, carrier = "SF Express", trackingNumber = "SF-U" },
                new { number = "NO-SUCH-ORDER", carrier = "SF Express", trackingNumber = "SF-X" },
                new { number = " " + b.Number + " ", carrier = "ZTO", trackingNumber = "ZTO-B" },
            },
        });
        Assert.Equal(2, result.GetProperty("shipped").GetInt32());
        Assert.Equal(2, result.GetProperty("failed").GetInt32());
        var lines = result.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([true, false, false, true], lines.Select(l => l.GetProperty("ok").GetBoolean()));
        Assert.Contains("does not exist", lines[2].GetProperty("error").GetString());
        Assert.False(string.IsNullOrEmpty(lines[1].GetProperty("error").GetString()));

        var shippedB = await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/orders/{b.Id}");
        Assert.Equal("shipped", shippedB.GetProperty("status").GetString());
        Assert.Equal("ZTO", shippedB.GetProperty("shippingCarrier").GetString());
        Assert.Equal("ZTO-B", shippedB.GetProperty("trackingNumber").GetString());
        Assert.Single(shippedB.GetProperty("history").EnumerateArray(), h => h.GetProperty("trigger").GetString() == "ship");
        Assert.Equal("pendingPayment", (await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/orders/{unpaid.Id}")).GetProperty("status").GetString());

        // The same list again: the shipped orders are not shipped twice.
        var replay = await ShopperFlowTests.PostOkAsync(app.Admin, "/api/admin/orders/bulk-ship", new { items = new[] { new { number = a.Number, carrier = "SF Express", trackingNumber = "SF-A" } } });
        Assert.Equal(0, replay.GetProperty("shipped").GetInt32());
        Assert.Single((await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/orders/{a.Id}")).GetProperty("history").EnumerateArray(), h => h.GetProperty("trigger").GetString() == "ship");
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task The_dashboard_sums_paid_orders_counts_all_and_lists_top_products_and_low_stock(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        var (cheap, cheapSku) = await ShopperFlowTests.PublishedProductAsync(app, stock: 100, price: 5m);
        var (dear, dearSku) = await ShopperFlowTests.PublishedProductAsync(app, stock: 4, price: 120m);
        using var threshold = await app.Admin.PutAsJsonAsync($"/api/admin/inventory/skus/{dearSku}/low-stock-threshold", new { threshold = 3 });
        Assert.True(threshold.IsSuccessStatusCode, await threshold.Content.ReadAsStringAsync());
        using var shopper = await app.ShopperAsync("13700000002");
        var paidTotals = 0m;
        for (var i = 0; i < 3; i++) paidTotals += (await OrderAsync(app, shopper, cheapSku, pay: true)).Total;
        paidTotals += (await OrderAsync(app, shopper, dearSku, pay: true)).Total;
        await OrderAsync(app, shopper, cheapSku, pay: false);
        var cancelled = await OrderAsync(app, shopper, cheapSku, pay: false);
        await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{cancelled.Id}/cancel");

        var report = await CatalogApiTests.GetJsonAsync(app.Admin, "/api/admin/reports/dashboard?timeZone=Asia/Shanghai");
        foreach (var period in new[] { "today", "last30Days" })
        {
            var summary = report.GetProperty(period);
            Assert.Equal(6, summary.GetProperty("orders").GetInt64());
            Assert.Equal(4, summary.GetProperty("paidOrders").GetInt64());
            Assert.Equal(paidTotals, summary.GetProperty("gmv").GetDecimal());
            Assert.Equal(Math.Round(4m / 6m, 4), Math.Round(summary.GetProperty("paidConversion").GetDecimal(), 4));
            Assert.Equal(Math.Round(paidTotals / 4m, 2), summary.GetProperty("averageOrderValue").GetDecimal());
        }
        var daily = report.GetProperty("daily").EnumerateArray().ToList();
        Assert.Equal(30, daily.Count);
        Assert.Equal(paidTotals, daily[^1].GetProperty("gmv").GetDecimal());
        Assert.Equal(0m, daily[0].GetProperty("gmv").GetDecimal());
        var top = report.GetProperty("topProducts").EnumerateArray().ToList();
        Assert.Equal(dear, top[0].GetProperty("productId").GetInt64());
        Assert.Equal(cheap, top[1].GetProperty("productId").GetInt64());
        Assert.Equal(3, top[1].GetProperty("units").GetInt64());
        var low = Assert.Single(report.GetProperty("lowStock").EnumerateArray());
        Assert.Equal(dearSku, low.GetProperty("skuId").GetInt64());
        Assert.Equal(3, low.GetProperty("available").GetInt64());

        using var badZone = await app.Admin.GetAsync("/api/admin/reports/dashboard?timeZone=Mars/Olympus");
        Assert.Equal(HttpStatusCode.BadRequest, badZone.StatusCode);
        Assert.Contains("timeZone", await badZone.Content.ReadAsStringAsync());
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Customers_are_listed_newest_first_searched_by_phone_email_or_nickname_and_show_their_addresses(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        var client = app.NewClient();
        for (var i = 0; i < 5; i++)
            using (var registered = await client.PostAsJsonAsync("/api/v1/auth/register", new { phone = $"1370000{i:D4}", password = "secret-pass-1", nickname = i == 3 ? "Zhang_San 100%" : $"shopper {i}" }))
                Assert.True(registered.IsSuccessStatusCode, await registered.Content.ReadAsStringAsync());
        using (var registered = await client.PostAsJsonAsync("/api/v1/auth/register", new { email = "Li.Si@Example.com", password = "secret-pass-1", nickname = "李四" }))
            Assert.True(registered.IsSuccessStatusCode, await registered.Content.ReadAsStringAsync());

        var all = await CatalogApiTests.GetJsonAsync(app.Admin, "/api/admin/customers?pageSize=4");
        Assert.Equal(6, all.GetProperty("total").GetInt64());
        var ids = all.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetInt64()).ToList();
        Assert.Equal(4, ids.Count);
        Assert.Equal(ids.OrderDescending(), ids);
        Assert.Equal("李四", all.GetProperty("items")[0].GetProperty("nickname").GetString());
        Assert.Equal(2, (await CatalogApiTests.GetJsonAsync(app.Admin, "/api/admin/customers?pageSize=4&page=2")).GetProperty("items").GetArrayLength());

        async Task<List<string>> SearchAsync(string query) =>
            (await CatalogApiTests.GetJsonAsync(app.Admin, "/api/admin/customers?search=" + Uri.EscapeDataString(query))).GetProperty("items").EnumerateArray()
                .Select(c => c.GetProperty("nickname").GetString()!).ToList();
        Assert.Equal(5, (await SearchAsync("1370000")).Count);
        Assert.Equal(["shopper 2"], await SearchAsync("13700000002"));
        Assert.Empty(await SearchAsync("0000002"));               // a phone matches from its start
        Assert.Equal(["李四"], await SearchAsync("li.si@"));         // e-mail, ignoring case
        Assert.Equal(["Zhang_San 100%"], await SearchAsync("zhang_san 100%")); // nickname part; _ and % are literal
        Assert.Empty(await SearchAsync("zhang%"));

        await app.ScalarAsync<object>("UPDATE mall_customer SET member_level = 3 WHERE nickname = 'shopper 1'");
        var level3 = await CatalogApiTests.GetJsonAsync(app.Admin, "/api/admin/customers?memberLevel=3");
        Assert.Equal("shopper 1", Assert.Single(level3.GetProperty("items").EnumerateArray()).GetProperty("nickname").GetString());
        using (var bad = await app.Admin.GetAsync("/api/admin/customers?pageSize=1000"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.True((await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("pageSize", out _));
        }

        // Addresses, default first, as the shopper saved them; an unknown shopper is 404.
        using var shopper = await app.ShopperLoginAsync("13700000000");
        var id = (await CatalogApiTests.GetJsonAsync(shopper, "/api/v1/me")).GetProperty("id").GetInt64();
        await ShopperFlowTests.PostOkAsync(shopper, "/api/v1/me/addresses", new { receiver = "张三", phone = "13700000000", regionCode = "110105", detail = "朝阳区 1 号" });
        await ShopperFlowTests.PostOkAsync(shopper, "/api/v1/me/addresses", new { receiver = "公司", phone = "13700000000", regionCode = "440305", detail = "南山区 2 号" });
        var addresses = await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/customers/{id}/addresses");
        Assert.Equal(["张三", "公司"], addresses.EnumerateArray().Select(a => a.GetProperty("receiver").GetString()!).ToArray());
        Assert.True(addresses[0].GetProperty("isDefault").GetBoolean());
        using (var missing = await app.Admin.GetAsync("/api/admin/customers/987654321/addresses"))
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Plugin_screens_appear_while_the_plugin_is_enabled_and_only_for_roles_that_reach_them(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        using var owner = await app.AdminByLoginAsync();
        foreach (var (name, role) in new[] { ("screens-cat", "catalog"), ("screens-ord", "orders") })
            await ShopperFlowTests.PostOkAsync(owner, "/api/admin/admins", new { userName = name, password = "admin-pass-1", roles = new[] { role } });
        using var catalog = await app.AdminByLoginAsync("screens-cat", "admin-pass-1");
        using var orders = await app.AdminByLoginAsync("screens-ord", "admin-pass-1");
        async Task<List<string>> ScreensAsync(HttpClient client) =>
            (await CatalogApiTests.GetJsonAsync(client, "/api/admin/console/screens")).EnumerateArray()
                .Select(s => s.GetProperty("pluginId").GetString() + "/" + s.GetProperty("id").GetString()).ToList();
        Assert.Empty(await ScreensAsync(owner));

        foreach (var plugin in new[] { "Mall.Plugins.FlashSale", "Mall.Plugins.GroupBuy", "Mall.Plugins.Bargain" })
        {
            await PluginHostTests.UploadAsync(app, FakeGatewayProcess.PluginPackage(plugin));
            await PluginHostTests.PostOkAsync(app, $"/api/admin/plugins/{plugin}/install?enable=true");
        }
        Assert.Equal(["Mall.Plugins.Bargain/activities", "Mall.Plugins.FlashSale/sessions", "Mall.Plugins.GroupBuy/activities"], (await ScreensAsync(owner)).Order());
        Assert.Equal(3, (await ScreensAsync(catalog)).Count);
        Assert.Empty(await ScreensAsync(orders));

        // Each screen's list answers, to the role it names, with what the plugin's admin API created.
        var screens = await CatalogApiTests.GetJsonAsync(catalog, "/api/admin/console/screens");
        foreach (var screen in screens.EnumerateArray())
        {
            var path = screen.GetProperty("list").GetProperty("path").GetString()!;
            Assert.StartsWith("/api/plugins/", path);
            Assert.Equal(JsonValueKind.Array, (await CatalogApiTests.GetJsonAsync(catalog, path)).ValueKind);
            Assert.Equal(HttpStatusCode.Forbidden, (await orders.GetAsync(path)).StatusCode);
            Assert.True(screen.GetProperty("title").TryGetProperty("zh-CN", out _));
        }
        var (_, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 10, price: 9m);
        await app.PostOkAsync("/api/plugins/flashsale/admin/sessions", new
        {
            name = "十点秒杀", startsAt = DateTime.UtcNow.AddMinutes(-1), endsAt = DateTime.UtcNow.AddHours(1),
            items = new[] { new { skuId, flashPrice = 1m, flashStock = 5, perShopperLimit = 1 } },
        });
        Assert.Contains("十点秒杀", (await CatalogApiTests.GetJsonAsync(catalog, "/api/plugins/flashsale/admin/sessions")).ToString());

        // Disabled, its screen is gone at once; enabled again, back.
        await PluginHostTests.PostOkAsync(app, "/api/admin/plugins/Mall.Plugins.FlashSale/disable");
        Assert.DoesNotContain("Mall.Plugins.FlashSale/sessions", await ScreensAsync(owner));
        await PluginHostTests.PostOkAsync(app, "/api/admin/plugins/Mall.Plugins.FlashSale/enable");
        Assert.Contains("Mall.Plugins.FlashSale/sessions", await ScreensAsync(owner));
    }
}
