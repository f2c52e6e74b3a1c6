using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Mall.Testing;

namespace Mall.Web.Tests;

/// <summary>Coupons: claim and grant within limits under concurrency, use at checkout bound to the order, given back on cancel exactly once.</summary>
public class CouponTests
{
    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Hundred_concurrent_claims_respect_the_total_and_each_shoppers_limit(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        var template = await app.PostOkAsync("/api/admin/coupons/templates", new
        {
            name = "满100减10", kind = "fullReduction", value = 10m, minAmount = 100m, totalQuantity = 15, perCustomerLimit = 2, validDays = 7,
        });
        var templateId = template.GetProperty("id").GetInt64();
        var shoppers = new List<HttpClient>();
        for (var i = 0; i < 10; i++) shoppers.Add(await app.ShopperAsync($"1340000{i:D4}"));

        // 10 shoppers × 10 claims each, all at once.
        using var start = new SemaphoreSlim(0);
        var claims = shoppers.SelectMany(s => Enumerable.Range(0, 10).Select(async _ =>
        {
            await start.WaitAsync();
            var response = await s.PostAsync($"/api/v1/coupons/{templateId}/claim", null);
            return (response.StatusCode, Code: response.StatusCode == HttpStatusCode.Conflict ? (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString() : null);
        })).ToList();
        start.Release(claims.Count);
        var results = await Task.WhenAll(claims);

        Assert.All(results, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, $"answered {(int)r.StatusCode}"));
        Assert.Equal(15, results.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.All(results.Where(r => r.StatusCode == HttpStatusCode.Conflict), r => Assert.Contains(r.Code, new[] { "coupon.sold_out", "coupon.limit_reached" }));
        Assert.Equal(15, await app.CountAsync("mall_coupon"));
        Assert.Equal(15, (await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/coupons/templates/{templateId}")).GetProperty("issuedCount").GetInt32());
        foreach (var shopper in shoppers)
        {
            var mine = await CatalogApiTests.GetJsonAsync(shopper, "/api/v1/me/coupons");
            Assert.InRange(mine.GetProperty("total").GetInt64(), 0, 2);
        }
        // Sold out: no longer listed for claiming, and one more claim is refused.
        Assert.DoesNotContain((await CatalogApiTests.GetJsonAsync(app.Anonymous, "/api/v1/coupons")).EnumerateArray(), t => t.GetProperty("id").GetInt64() == templateId);
        using var late = await app.ShopperAsync("13400009999");
        var refused = await late.PostAsync($"/api/v1/coupons/{templateId}/claim", null);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("coupon.sold_out", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        foreach (var s in shoppers) s.Dispose();
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task A_coupon_discounts_the_order_is_bound_to_it_and_comes_back_once_when_the_order_is_cancelled(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        var (_, a) = await ShopperFlowTests.PublishedProductAsync(app, stock: 50, price: 60m);
        var (_, b) = await ShopperFlowTests.PublishedProductAsync(app, stock: 50, price: 50m);
        using var shopper = await app.ShopperAsync("13400100001");
        using var other = await app.ShopperAsync("13400100002");
        await app.PostOkAsync("/api/admin/promotions", new { name = "满100减20", benefit = "orderReduce", value = 20m, minAmount = 100m });
        var template = await app.PostOkAsync("/api/admin/coupons/templates", new { name = "满80减15", kind = "fullReduction", value = 15m, minAmount = 80m, validDays = 3 });
        var claimed = await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/coupons/{template.GetProperty("id").GetInt64()}/claim");
        var couponId = claimed.GetProperty("id").GetInt64();
        Assert.Equal("available", claimed.GetProperty("status").GetString());
        var lines = new[] { new { skuId = a, quantity = 1 }, new { skuId = b, quantity = 1 } };

        // Promotions first (110 − 20 = 90), then the coupon on what is left (90 ≥ 80: −15), shared among the lines.
        var quote = await ShopperFlowTests.PostOkAsync(shopper, "/api/v1/checkout/quote", new { lines, couponId });
        Assert.Equal(35m, quote.GetProperty("discount").GetDecimal());
        Assert.Equal(75m, quote.GetProperty("total").GetDecimal());
        Assert.Equal(35m, quote.GetProperty("lines").EnumerateArray().Sum(l => l.GetProperty("discount").GetDecimal()));
        Assert.Contains(quote.GetProperty("adjustments").EnumerateArray(), j => j.GetProperty("reference").GetString() == $"coupon:{couponId}");

        // Not enough left after promotions: an error on couponId with the reason, nothing written.
        var ordersBefore = await app.CountAsync("mall_order");
        var tooSmall = await shopper.PostAsJsonAsync("/api/v1/orders", new { lines = new[] { new { skuId = b, quantity = 1 } }, couponId });
        Assert.Equal(HttpStatusCode.BadRequest, tooSmall.StatusCode);
        var problem = await tooSmall.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("needs 80.00", problem.GetProperty("errors").GetProperty("couponId")[0].GetString());
        // Another shopper's coupon does not exist for them.
        Assert.Equal(HttpStatusCode.BadRequest, (await other.PostAsJsonAsync("/api/v1/orders", new { lines, couponId })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/v1/me/coupons/{couponId}")).StatusCode);
        Assert.Equal(ordersBefore, await app.CountAsync("mall_order"));

        // Two orders race for the one coupon: exactly one wins it.
        using var go = new SemaphoreSlim(0);
        var racers = Enumerable.Range(0, 8).Select(async _ =>
        {
            await go.WaitAsync();
            return await shopper.PostAsJsonAsync("/api/v1/orders", new { lines, couponId });
        }).ToList();
        go.Release(racers.Count);
        var raced = await Task.WhenAll(racers);
        Assert.All(raced, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict or HttpStatusCode.BadRequest, $"answered {(int)r.StatusCode}"));
        var won = Assert.Single(raced, r => r.StatusCode == HttpStatusCode.Created);
        var order = await won.Content.ReadFromJsonAsync<JsonElement>();
        var orderId = order.GetProperty("id").GetInt64();
        Assert.Equal(75m, order.GetProperty("total").GetDecimal());
        Assert.Equal(ordersBefore + 1, await app.CountAsync("mall_order"));
        var used = await CatalogApiTests.GetJsonAsync(shopper, $"/api/v1/me/coupons/{couponId}");
        Assert.Equal("used", used.GetProperty("status").GetString());
        Assert.Equal(orderId, used.GetProperty("orderId").GetInt64());
        Assert.Equal(HttpStatusCode.Conflict, (await app.Admin.PostAsync($"/api/admin/coupons/{couponId}/void", null)).StatusCode);

        // Cancel: the coupon comes back; a second cancel is refused and changes nothing.
        await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{orderId}/cancel", new { reason = "later" });
        Assert.Equal(HttpStatusCode.Conflict, (await shopper.PostAsJsonAsync($"/api/v1/orders/{orderId}/cancel", new { })).StatusCode);
        var back = await CatalogApiTests.GetJsonAsync(shopper, $"/api/v1/me/coupons/{couponId}");
        Assert.Equal("available", back.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, back.GetProperty("orderId").ValueKind);

        // Used again by a paid order, it stays with that order.
        var again = await ShopperFlowTests.PostOkAsync(shopper, "/api/v1/orders", new { lines, couponId });
        await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{again.GetProperty("id").GetInt64()}/dev-pay");
        Assert.Equal("used", (await CatalogApiTests.GetJsonAsync(shopper, $"/api/v1/me/coupons/{couponId}")).GetProperty("status").GetString());
        var third = await shopper.PostAsJsonAsync("/api/v1/orders", new { lines, couponId });
        Assert.Equal(HttpStatusCode.BadRequest, third.StatusCode);
        Assert.Contains("already used", await third.Content.ReadAsStringAsync());
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Grants_discount_and_no_threshold_coupons_validity_and_bad_templates(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        var (_, sku) = await ShopperFlowTests.PublishedProductAsync(app, stock: 50, price: 200m);
        using var shopper = await app.ShopperAsync("13400200001");
        var customerId = (await CatalogApiTests.GetJsonAsync(shopper, "/api/v1/me")).GetProperty("id").GetInt64();
        var lines = new[] { new { skuId = sku, quantity = 1 } };

        // A merchant-only discount coupon with a cap: not claimable, granted.
        var discount = await app.PostOkAsync("/api/admin/coupons/templates", new
        {
            name = "9折券 最多减15", kind = "discount", value = 0.9m, maxDiscount = 15m, claimable = false, totalQuantity = 2,
            validFrom = DateTime.UtcNow.AddMinutes(-1), validUntil = DateTime.UtcNow.AddDays(1),
        });
        var discountId = discount.GetProperty("id").GetInt64();
        var notClaimable = await shopper.PostAsync($"/api/v1/coupons/{discountId}/claim", null);
        Assert.Equal("coupon.not_claimable", (await notClaimable.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        var granted = await app.PostOkAsync($"/api/admin/coupons/templates/{discountId}/grants", new { customerIds = new[] { customerId, customerId } });
        Assert.Equal(2, granted.GetArrayLength());
        // Beyond the total: all or none.
        var over = await app.Admin.PostAsJsonAsync($"/api/admin/coupons/templates/{discountId}/grants", new { customerIds = new[] { customerId } });
        Assert.Equal(HttpStatusCode.Conflict, over.StatusCode);
        Assert.Equal(2, await app.CountAsync("mall_coupon"));
        var unknown = await app.Admin.PostAsJsonAsync($"/api/admin/coupons/templates/{discountId}/grants", new { customerIds = new[] { 987654321L } });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);

        var quote = await ShopperFlowTests.PostOkAsync(shopper, "/api/v1/checkout/quote", new { lines, couponId = granted[0].GetProperty("id").GetInt64() });
        Assert.Equal(15m, quote.GetProperty("discount").GetDecimal());            // 10% of 200 is 20, capped at 15

        // A voided coupon cannot be used.
        var voidedId = granted[1].GetProperty("id").GetInt64();
        Assert.Equal("voided", (await app.PostOkAsync($"/api/admin/coupons/{voidedId}/void", new { })).GetProperty("status").GetString());
        var voided = await shopper.PostAsJsonAsync("/api/v1/checkout/quote", new { lines, couponId = voidedId });
        Assert.Equal(HttpStatusCode.BadRequest, voided.StatusCode);

        // No threshold, larger than the goods: takes off at most what they cost.
        var free = await app.PostOkAsync("/api/admin/coupons/templates", new { name = "无门槛300", kind = "noThreshold", value = 300m, validDays = 1 });
        var freeCoupon = await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/coupons/{free.GetProperty("id").GetInt64()}/claim");
        var freeQuote = await ShopperFlowTests.PostOkAsync(shopper, "/api/v1/checkout/quote", new { lines, couponId = freeCoupon.GetProperty("id").GetInt64() });
        Assert.Equal(0m, freeQuote.GetProperty("total").GetDecimal());

        // Scoped to another product: the coupon does not cover the cart.
        var scoped = await app.PostOkAsync("/api/admin/coupons/templates", new { name = "指定商品券", kind = "noThreshold", value = 5m, scope = "products", scopeIds = new[] { 424242L }, validDays = 1 });
        var scopedCoupon = await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/coupons/{scoped.GetProperty("id").GetInt64()}/claim");
        var outOfScope = await shopper.PostAsJsonAsync("/api/v1/checkout/quote", new { lines, couponId = scopedCoupon.GetProperty("id").GetInt64() });
        Assert.Contains("none of the goods", await outOfScope.Content.ReadAsStringAsync());

        // Lists by status.
        Assert.Equal(1, (await CatalogApiTests.GetJsonAsync(shopper, "/api/v1/me/coupons?status=voided")).GetProperty("total").GetInt64());
        Assert.Equal(3, (await CatalogApiTests.GetJsonAsync(shopper, "/api/v1/me/coupons?status=available")).GetProperty("total").GetInt64());
        Assert.Equal(HttpStatusCode.BadRequest, (await shopper.GetAsync("/api/v1/me/coupons?status=lost")).StatusCode);

        // The total cannot drop below what is issued.
        var shrink = await app.Admin.PutAsJsonAsync($"/api/admin/coupons/templates/{discountId}", new { name = "x", totalQuantity = 1, claimable = false, isActive = true });
        Assert.Equal(HttpStatusCode.BadRequest, shrink.StatusCode);

        // Bad templates are refused and nothing is written.
        var before = await app.CountAsync("mall_coupon_template");
        string[] bad =
        [
            """{"name":"","kind":"noThreshold","value":5,"validDays":1}""",
            """{"name":"x","kind":"fullReduction","value":10,"validDays":1}""",
            """{"name":"x","kind":"fullReduction","value":10,"minAmount":5,"validDays":1}""",
            """{"name":"x","kind":"discount","value":1.2,"validDays":1}""",
            """{"name":"x","kind":"noThreshold","value":5}""",
            """{"name":"x","kind":"noThreshold","value":5,"validDays":1,"perCustomerLimit":0}""",
            """{"name":"x","kind":"noThreshold","value":5,"validFrom":"2026-12-02T00:00:00Z","validUntil":"2026-12-01T00:00:00Z"}""",
            """{"name":"x","kind":"teleport","value":5,"validDays":1}""",
            """{"name":"x","kind":"noThreshold","value":5,"validDays":1,"scope":"brands"}""",
        ];
        foreach (var body in bad)
        {
            var response = await app.Admin.PostAsync("/api/admin/coupons/templates", new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{body} → {(int)response.StatusCode}");
        }
        Assert.Equal(before, await app.CountAsync("mall_coupon_template"));
        // Shoppers cannot reach the admin API.
        var forbidden = await shopper.GetAsync("/api/admin/coupons/templates");
        Assert.True(forbidden.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, $"answered {(int)forbidden.StatusCode}");
    }
}
