using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Mall.Testing;

namespace Mall.Web.Tests;

/// <summary>Merchant promotion rules apply in quotes and orders, explained, with the discount shared among lines to the cent.</summary>
public class PromotionTests
{
    private static async Task<JsonElement> ProblemAsync(HttpClient admin, object body)
    {
        using var response = await admin.PostAsJsonAsync("/api/admin/promotions/preview", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task The_preview_quotes_a_sample_cart_as_checkout_does_with_a_draft_rule_and_writes_nothing(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        var (_, a) = await ShopperFlowTests.PublishedProductAsync(app, stock: 20, price: 60m);
        var (_, b) = await ShopperFlowTests.PublishedProductAsync(app, stock: 20, price: 50m);
        using var shopper = await app.ShopperAsync("13300000002");
        var shopperId = (await CatalogApiTests.GetJsonAsync(shopper, "/api/v1/me")).GetProperty("id").GetInt64();
        var full20 = await app.PostOkAsync("/api/admin/promotions", new { name = "满100减20", benefit = "orderReduce", value = 20m, minAmount = 100m, exclusivityGroup = "full" });
        await app.PostOkAsync("/api/admin/promotions", new { name = "满300减70", benefit = "orderReduce", value = 70m, minAmount = 300m, exclusivityGroup = "full" });
        var cart = new[] { new { skuId = a, quantity = 1 }, new { skuId = b, quantity = 1 } };
        const string Preview = "/api/admin/promotions/preview";

        // The active rules alone: the same figures and the same shares as the shopper's own quote.
        var preview = await ShopperFlowTests.PostOkAsync(app.Admin, Preview, new { items = cart, customerId = shopperId });
        var quote = await ShopperFlowTests.PostOkAsync(shopper, "/api/v1/checkout/quote", new { lines = cart });
        Assert.Equal(quote.GetProperty("subtotal").GetDecimal(), preview.GetProperty("subtotal").GetDecimal());
        Assert.Equal(quote.GetProperty("discount").GetDecimal(), preview.GetProperty("discount").GetDecimal());
        Assert.Equal(90m, preview.GetProperty("total").GetDecimal());
        Assert.Equal(quote.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("discount").GetDecimal()),
            preview.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("discount").GetDecimal()));
        Assert.Equal(60m, preview.GetProperty("lines")[0].GetProperty("amount").GetDecimal());
        Assert.Equal("满100减20", Assert.Single(preview.GetProperty("applied").EnumerateArray()).GetProperty("name").GetString());
        Assert.Contains(preview.GetProperty("skipped").EnumerateArray(), s => s.GetProperty("name").GetString() == "满300减70" && s.GetProperty("reason").GetString()!.StartsWith("needs 300.00", StringComparison.Ordinal));

        // A new draft in the same group that saves more wins, and is marked as the draft; nothing is written.
        var rulesBefore = await app.CountAsync("mall_promotion");
        var withDraft = await ShopperFlowTests.PostOkAsync(app.Admin, Preview, new { items = cart, draft = new { name = "满100减30", benefit = "orderReduce", value = 30m, minAmount = 100m, exclusivityGroup = "full" } });
        Assert.Equal(30m, withDraft.GetProperty("discount").GetDecimal());
        var applied = Assert.Single(withDraft.GetProperty("applied").EnumerateArray());
        Assert.True(applied.GetProperty("isDraft").GetBoolean());
        Assert.Contains(withDraft.GetProperty("skipped").EnumerateArray(), s => s.GetProperty("name").GetString() == "满100减20" && s.GetProperty("reason").GetString()!.Contains("group 'full'", StringComparison.Ordinal));

        // A draft of an existing rule stands in for it; the stored rule keeps its value.
        var edited = await ShopperFlowTests.PostOkAsync(app.Admin, Preview, new { items = cart, draft = new { id = full20.GetProperty("id").GetInt64(), name = "满100减25", benefit = "orderReduce", value = 25m, minAmount = 100m, exclusivityGroup = "full" } });
        Assert.Equal(25m, edited.GetProperty("discount").GetDecimal());
        Assert.DoesNotContain(edited.GetProperty("skipped").EnumerateArray(), s => s.GetProperty("name").GetString() == "满100减20");
        Assert.Contains((await CatalogApiTests.GetJsonAsync(app.Admin, "/api/admin/promotions")).EnumerateArray(), r => r.GetProperty("name").GetString() == "满100减20" && r.GetProperty("value").GetDecimal() == 20m);
        Assert.Equal(rulesBefore, await app.CountAsync("mall_promotion"));

        // The shopper and the moment count: a member-level rule skips an ordinary shopper; a window opens at its start.
        var members = await ShopperFlowTests.PostOkAsync(app.Admin, Preview, new { items = cart, customerId = shopperId, draft = new { name = "会员9折", benefit = "goodsDiscount", value = 0.9m, minMemberLevel = 2, stackable = false } });
        Assert.Contains(members.GetProperty("skipped").EnumerateArray(), s => s.GetProperty("name").GetString() == "会员9折");
        var start = DateTime.UtcNow.AddDays(3);
        object Windowed(DateTime? at) => new { items = cart, at, draft = new { name = "周末立减", benefit = "goodsReduce", value = 5m, startsAt = start, endsAt = start.AddDays(2) } };
        Assert.Contains((await ShopperFlowTests.PostOkAsync(app.Admin, Preview, Windowed(null))).GetProperty("skipped").EnumerateArray(), s => s.GetProperty("name").GetString() == "周末立减");
        var inWindow = await ShopperFlowTests.PostOkAsync(app.Admin, Preview, Windowed(start.AddHours(1)));
        Assert.Contains(inWindow.GetProperty("applied").EnumerateArray(), p => p.GetProperty("name").GetString() == "周末立减" && p.GetProperty("discount").GetDecimal() == 10m);

        // Bad input: problem details naming the field, for the cart and for the draft.
        Assert.True((await ProblemAsync(app.Admin, new { items = Array.Empty<object>() })).TryGetProperty("items", out _));
        Assert.True((await ProblemAsync(app.Admin, new { items = new[] { new { skuId = 987654321L, quantity = 1 } } })).TryGetProperty("items[0].skuId", out _));
        Assert.True((await ProblemAsync(app.Admin, new { items = new[] { new { skuId = a, quantity = 0 } } })).TryGetProperty("items[0].quantity", out _));
        Assert.True((await ProblemAsync(app.Admin, new { items = cart, customerId = 987654321L })).TryGetProperty("customerId", out _));
        var draftErrors = await ProblemAsync(app.Admin, new { items = cart, draft = new { name = "", benefit = "orderDiscount", value = 1.5m } });
        Assert.True(draftErrors.TryGetProperty("draft.name", out _));
        Assert.True(draftErrors.TryGetProperty("draft.value", out _));
        Assert.Equal(rulesBefore, await app.CountAsync("mall_promotion"));
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Rules_discount_quotes_and_orders_explain_what_did_not_apply_and_share_the_discount_among_lines(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        var (_, a) = await ShopperFlowTests.PublishedProductAsync(app, stock: 20, price: 60m);
        var (_, b) = await ShopperFlowTests.PublishedProductAsync(app, stock: 20, price: 50m);
        using var shopper = await app.ShopperAsync("13300000001");
        await app.PostOkAsync("/api/admin/promotions", new { name = "满100减20", benefit = "orderReduce", value = 20m, minAmount = 100m, exclusivityGroup = "full" });
        await app.PostOkAsync("/api/admin/promotions", new { name = "满300减70", benefit = "orderReduce", value = 70m, minAmount = 300m, exclusivityGroup = "full" });
        await app.PostOkAsync("/api/admin/promotions", new { name = "满2件包邮", benefit = "freeShipping", value = 0m, minCount = 2 });

        var quote = await ShopperFlowTests.PostOkAsync(shopper, "/api/v1/checkout/quote", new { lines = new[] { new { skuId = a, quantity = 1 }, new { skuId = b, quantity = 1 } } });
        Assert.Equal(110m, quote.GetProperty("subtotal").GetDecimal());
        Assert.Equal(20m, quote.GetProperty("discount").GetDecimal());
        Assert.Equal(90m, quote.GetProperty("total").GetDecimal());
        Assert.Equal(20m, quote.GetProperty("lines").EnumerateArray().Sum(l => l.GetProperty("discount").GetDecimal()));
        Assert.Equal([10.91m, 9.09m], quote.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("discount").GetDecimal()).ToArray());
        Assert.Contains(quote.GetProperty("notes").EnumerateArray(), n => n.GetString()!.StartsWith("满300减70: needs 300.00", StringComparison.Ordinal));

        // The order keeps each line's share.
        var order = await ShopperFlowTests.PostOkAsync(shopper, "/api/v1/orders", new { lines = new[] { new { skuId = a, quantity = 3 }, new { skuId = b, quantity = 3 } } });
        Assert.Equal(330m, order.GetProperty("subtotal").GetDecimal());
        Assert.Equal(70m, order.GetProperty("discount").GetDecimal());
        Assert.Equal(260m, order.GetProperty("total").GetDecimal());
        var stored = await CatalogApiTests.GetJsonAsync(shopper, $"/api/v1/orders/{order.GetProperty("id").GetInt64()}");
        Assert.Equal(70m, stored.GetProperty("lines").EnumerateArray().Sum(l => l.GetProperty("discount").GetDecimal()));
        Assert.Equal([38.18m, 31.82m], stored.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("discount").GetDecimal()).ToArray());

        // Bad rules are refused and nothing is written.
        var before = await app.CountAsync("mall_promotion");
        string[] bad =
        [
            """{"name":"","benefit":"orderReduce","value":10}""",
            """{"name":"x","benefit":"orderDiscount","value":1.5}""",
            """{"name":"x","benefit":"orderReduce","value":-1}""",
            """{"name":"x","benefit":"orderReduce","value":10,"scope":"products"}""",
            """{"name":"x","benefit":"gift","value":0}""",
            """{"name":"x","benefit":"orderReduce","value":10,"startsAt":"2026-12-01T00:00:00Z","endsAt":"2026-11-01T00:00:00Z"}""",
            """{"name":"x","benefit":"teleport","value":10}""",
        ];
        foreach (var body in bad)
        {
            var response = await app.Admin.PostAsync("/api/admin/promotions", new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{body} → {(int)response.StatusCode}");
        }
        Assert.Equal(before, await app.CountAsync("mall_promotion"));
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task A_per_shopper_limit_counts_the_shoppers_orders_and_a_cancelled_order_gives_its_use_back(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        var (_, sku) = await ShopperFlowTests.PublishedProductAsync(app, stock: 20, price: 40m);
        using var alice = await app.ShopperAsync("13300000002");
        using var bob = await app.ShopperAsync("13300000003");
        await app.PostOkAsync("/api/admin/promotions", new { name = "新人立减5元", benefit = "goodsReduce", value = 5m, perCustomerLimit = 1 });
        async Task<JsonElement> OrderAsync(HttpClient shopper) =>
            await ShopperFlowTests.PostOkAsync(shopper, "/api/v1/orders", new { lines = new[] { new { skuId = sku, quantity = 1 } } });

        var first = await OrderAsync(alice);
        Assert.Equal(5m, first.GetProperty("discount").GetDecimal());
        var second = await OrderAsync(alice);
        Assert.Equal(0m, second.GetProperty("discount").GetDecimal());
        var quote = await ShopperFlowTests.PostOkAsync(alice, "/api/v1/checkout/quote", new { lines = new[] { new { skuId = sku, quantity = 1 } } });
        Assert.Contains(quote.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("used 1 of 1", StringComparison.Ordinal));
        Assert.Equal(5m, (await OrderAsync(bob)).GetProperty("discount").GetDecimal());   // another shopper has their own use

        // Cancelling the discounted order gives the use back.
        Assert.Equal(HttpStatusCode.OK, (await alice.PostAsJsonAsync($"/api/v1/orders/{first.GetProperty("id").GetInt64()}/cancel", new { reason = "again" })).StatusCode);
        Assert.Equal(5m, (await OrderAsync(alice)).GetProperty("discount").GetDecimal());
        Assert.Equal(3, await app.CountAsync("mall_order_adjustment"));
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Refunding_a_line_returns_its_amount_less_its_share_of_the_discount_and_the_lines_add_up_to_the_total(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        var (_, a) = await ShopperFlowTests.PublishedProductAsync(app, stock: 20, price: 60m);
        var (_, b) = await ShopperFlowTests.PublishedProductAsync(app, stock: 20, price: 50m);
        using var shopper = await app.ShopperAsync("13300000004");
        await app.PostOkAsync("/api/admin/promotions", new { name = "满100减20", benefit = "orderReduce", value = 20m, minAmount = 100m });
        var order = await ShopperFlowTests.PostOkAsync(shopper, "/api/v1/orders", new { lines = new[] { new { skuId = a, quantity = 1 }, new { skuId = b, quantity = 1 } } });
        var orderId = order.GetProperty("id").GetInt64();
        Assert.Equal(90m, order.GetProperty("total").GetDecimal());
        await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{orderId}/dev-pay");

        async Task<HttpResponseMessage> RefundLineAsync(long sku, string key)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/admin/orders/{orderId}/lines/{sku}/refund") { Content = JsonContent.Create(new { reason = "returned" }) };
            request.Headers.Add("Idempotency-Key", key);
            return await app.Admin.SendAsync(request);
        }
        Assert.Equal(HttpStatusCode.OK, (await RefundLineAsync(a, "ret-a")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await RefundLineAsync(a, "ret-a")).StatusCode);       // replay: once
        var ledger = Assert.Single((await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/orders/{orderId}/payments")).EnumerateArray());
        Assert.Equal([49.09m], ledger.GetProperty("events").EnumerateArray().Where(e => e.GetProperty("kind").GetString() == "refunded").Select(e => e.GetProperty("amount").GetDecimal()).ToArray());
        Assert.Equal("partiallyRefunded", (await CatalogApiTests.GetJsonAsync(shopper, $"/api/v1/orders/{orderId}")).GetProperty("status").GetString());

        Assert.Equal(HttpStatusCode.OK, (await RefundLineAsync(b, "ret-b")).StatusCode);
        ledger = Assert.Single((await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/orders/{orderId}/payments")).EnumerateArray());
        Assert.Equal(90m, ledger.GetProperty("events").EnumerateArray().Where(e => e.GetProperty("kind").GetString() == "refunded").Sum(e => e.GetProperty("amount").GetDecimal()));
        Assert.Equal("refunded", ledger.GetProperty("status").GetString());
        Assert.Equal("refunded", (await CatalogApiTests.GetJsonAsync(shopper, $"/api/v1/orders/{orderId}")).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await RefundLineAsync(999999, "ret-x")).StatusCode);
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task A_gift_is_added_to_the_order_as_a_free_line_with_its_stock_reserved_while_it_lasts(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        var (_, sku) = await ShopperFlowTests.PublishedProductAsync(app, stock: 20, price: 60m);
        var (_, gift) = await ShopperFlowTests.PublishedProductAsync(app, stock: 1, price: 15m);
        using var shopper = await app.ShopperAsync("13300000005");
        await app.PostOkAsync("/api/admin/promotions", new { name = "满100送杯子", benefit = "gift", value = 0m, minAmount = 100m, giftSkuId = gift, giftQuantity = 1 });

        var quote = await ShopperFlowTests.PostOkAsync(shopper, "/api/v1/checkout/quote", new { lines = new[] { new { skuId = sku, quantity = 2 } } });
        var giftLine = Assert.Single(quote.GetProperty("gifts").EnumerateArray());
        Assert.Equal(gift, giftLine.GetProperty("skuId").GetInt64());
        Assert.Equal(0m, giftLine.GetProperty("unitPrice").GetDecimal());
        Assert.Equal(120m, quote.GetProperty("total").GetDecimal());      // the gift costs nothing

        var order = await ShopperFlowTests.PostOkAsync(shopper, "/api/v1/orders", new { lines = new[] { new { skuId = sku, quantity = 2 } } });
        var lines = order.GetProperty("lines").EnumerateArray().ToList();
        Assert.Equal(2, lines.Count);
        Assert.True(lines.Single(l => l.GetProperty("skuId").GetInt64() == gift).GetProperty("isGift").GetBoolean());
        Assert.Equal(120m, order.GetProperty("total").GetDecimal());
        Assert.Equal(0, await ShopperFlowTests.AvailableAsync(app, gift));    // reserved with the order

        // Given out: the next order gets no gift, and the quote says why.
        var second = await ShopperFlowTests.PostOkAsync(shopper, "/api/v1/checkout/quote", new { lines = new[] { new { skuId = sku, quantity = 2 } } });
        Assert.Empty(second.GetProperty("gifts").EnumerateArray());
        Assert.Contains(second.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("out of stock", StringComparison.Ordinal));

        // Cancelled, the gift's stock comes back with the rest.
        await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{order.GetProperty("id").GetInt64()}/cancel", new { reason = "x" });
        Assert.Equal(1, await ShopperFlowTests.AvailableAsync(app, gift));
        Assert.Equal(20, await ShopperFlowTests.AvailableAsync(app, sku));
    }
}
