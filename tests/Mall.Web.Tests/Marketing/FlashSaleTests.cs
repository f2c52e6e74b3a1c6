using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Mall.Customers;
using Mall.Data;
using Mall.Plugins.FlashSale;
using Mall.Redis;
using Mall.Testing;
using Mall.Web.Security;
using Mall.Web.Tests.Payments;
using Mall.Web.Tests.Plugins;
using Mall.Web.Tests.Scale;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Mall.Web.Tests.Marketing;

/// <summary>
/// The flash-sale plugin, hot-installed from its package, on every database, with a real Redis (Lua admission, the
/// order stream) and without it (conditional updates in the database): exactly the flash stock is sold under real
/// concurrency, nobody passes the limit, each ticket orders once, and units come back exactly once.
/// </summary>
public class FlashSaleTests
{
    private const string Plugin = "Mall.Plugins.FlashSale";

    public static IEnumerable<object[]> Paths => TestDatabase.Providers.SelectMany(p => new[] { new object[] { p, true }, [p, false] });

    [Theory, MemberData(nameof(Paths))]
    public async Task Exactly_K_units_sell_to_many_shoppers_attempting_at_once_and_nobody_passes_the_limit(string provider, bool redis)
    {
        // With Redis: 10,000 attempts by 2,000 shoppers at 256 at a time for 1,000 units. Without: the same shape at a
        // tenth of the size (every attempt is an order transaction then).
        var (shoppers, attemptsEach, units, concurrency) = redis ? (2000, 5, 1000, 256) : (200, 5, 100, 64);
        await using var app = await StartAsync(provider, redis);
        var (itemId, skuId) = await SessionAsync(app, units, limit: 2, stock: units + 50);
        var tokens = await app.ShopperTokensAsync(shoppers);

        var statuses = new ConcurrentBag<HttpStatusCode>();
        var tickets = new ConcurrentDictionary<string, long>();
        var work = new ConcurrentQueue<(int Shopper, string Key)>(
            Enumerable.Range(0, shoppers).SelectMany(s => Enumerable.Range(0, attemptsEach).Select(a => (s, $"k{s}-{a % 4}"))));   // the 5th attempt repeats a key
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            using var client = app.NewClient();
            while (work.TryDequeue(out var next))
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, $"{FlashSalePlugin.Routes}/items/{itemId}/attempts") { Content = JsonContent.Create(new { quantity = 1, key = next.Key }) };
                request.Headers.Authorization = new("Bearer", tokens[next.Shopper].Token);
                using var response = await client.SendAsync(request);
                statuses.Add(response.StatusCode);
                if (response.IsSuccessStatusCode)
                    tickets[JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("ticket").GetString()!] = tokens[next.Shopper].CustomerId;
            }
        })));

        Assert.DoesNotContain(statuses, s => (int)s >= 500);
        Assert.All(statuses, s => Assert.Contains(s, new[] { HttpStatusCode.Accepted, HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.Conflict }));
        Assert.Equal(shoppers * attemptsEach, statuses.Count);
        await DrainedAsync(app, itemId, units);

        await using var connection = await app.Services.GetRequiredService<IMallDatabase>().OpenConnectionAsync();
        var item = await connection.QuerySingleAsync<(int Sold, int Reserved)>("SELECT sold, reserved FROM flashsale_item WHERE id = @itemId", new { itemId });
        Assert.Equal((0, units), item);
        var ordered = (await connection.QueryAsync<(string Ticket, long CustomerId, long OrderId, int Quantity)>(
            "SELECT ticket, customer_id, order_id, quantity FROM flashsale_ticket WHERE item_id = @itemId AND status = @ordered", new { itemId, ordered = (short)TicketStatus.Ordered })).ToList();
        Assert.Equal(units, ordered.Sum(t => t.Quantity));
        Assert.Equal(ordered.Count, ordered.Select(t => t.OrderId).Distinct().Count());                       // one order per ticket
        Assert.All(ordered.GroupBy(t => t.CustomerId), g => Assert.True(g.Sum(t => t.Quantity) <= 2, $"shopper {g.Key} got {g.Sum(t => t.Quantity)}"));
        // Each order is a real order of the shopper, of the SKU, at the flash price, and the inventory reserved it.
        var orders = (await connection.QueryAsync<(long Id, long CustomerId, long Total)>(
            $"SELECT o.id, o.customer_id, o.total FROM mall_order o WHERE {app.Services.GetRequiredService<IMallDatabase>().Dialect.InList("o.id", "@ids")}", new { ids = ordered.Select(t => t.OrderId).ToList() })).ToList();
        Assert.Equal(ordered.Count, orders.Count);
        Assert.All(orders, o => Assert.Equal(ordered.Single(t => t.OrderId == o.Id).Quantity * 100, o.Total));   // 1.00 each, no promotion on top
        Assert.Equal(units + 50 - units, await ShopperFlowTests.AvailableAsync(app, skuId));
        if (redis)
        {
            // Every successful answer was a ticket of its shopper; Redis holds nothing more to sell.
            Assert.All(tickets, t => Assert.Contains(ordered, o => o.Ticket == t.Key && o.CustomerId == t.Value));
            Assert.Equal(0, await RedisAvailableAsync(app, itemId));
        }
    }

    [Theory, MemberData(nameof(Paths))]
    public async Task Unpaid_orders_give_their_units_back_once_when_they_time_out_or_are_cancelled_and_a_late_payment_does_not_oversell(string provider, bool redis)
    {
        const int units = 30;
        await using var app = await StartAsync(provider, redis, [new("Mall:Ordering:PaymentTimeout", "00:00:08")]);
        var (itemId, _) = await SessionAsync(app, units, limit: 1, stock: units);
        var tokens = await app.ShopperTokensAsync(80);

        // First wave: 80 shoppers for 30 units; nobody pays, so every unit comes back when the orders time out (after 8 s).
        var first = await AttemptAllAsync(app, itemId, tokens, "w1");
        Assert.Equal(units, first);
        await DrainedAsync(app, itemId, units);
        await WithinAsync(TimeSpan.FromSeconds(30), async () => (await CountsAsync(app, itemId)).Reserved == 0, "the unpaid orders did not time out");
        await WithinAsync(TimeSpan.FromSeconds(15), async () => !redis || await RedisAvailableAsync(app, itemId) == units, "the units did not come back to Redis");
        Assert.Equal((0, 0), await CountsAsync(app, itemId));

        // Second wave (well inside the 8 s payment deadline): the same shoppers may buy again (their units came back
        // too); exactly 30 again.
        var second = await AttemptAllAsync(app, itemId, tokens, "w2");
        Assert.Equal(units, second);
        await DrainedAsync(app, itemId, units);

        // A shopper cancels one order: one unit back, once (cancelling again changes nothing); its late payment is refused.
        await using var connection = await app.Services.GetRequiredService<IMallDatabase>().OpenConnectionAsync();
        var (orderId, customerId) = await connection.QueryFirstAsync<(long, long)>("SELECT order_id, customer_id FROM flashsale_ticket WHERE item_id = @itemId AND status = @ordered ORDER BY id",
            new { itemId, ordered = (short)TicketStatus.Ordered });
        using var shopper = app.NewClient();
        shopper.DefaultRequestHeaders.Authorization = new("Bearer", tokens.Single(t => t.CustomerId == customerId).Token);
        Assert.Equal(HttpStatusCode.OK, (await shopper.PostAsJsonAsync($"/api/v1/orders/{orderId}/cancel", new { reason = "changed my mind" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await shopper.PostAsJsonAsync($"/api/v1/orders/{orderId}/cancel", new { reason = "again" })).StatusCode);
        Assert.Equal((0, units - 1), await CountsAsync(app, itemId));
        await WithinAsync(TimeSpan.FromSeconds(10), async () => !redis || await RedisAvailableAsync(app, itemId) == 1, "the cancelled unit did not come back to Redis");
        using (var late = await shopper.PostAsync($"/api/v1/orders/{orderId}/dev-pay", null))
            Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Equal((0, units - 1), await CountsAsync(app, itemId));
    }

    [Fact]
    public async Task A_sale_sold_through_two_nodes_at_once_sells_exactly_K()
    {
        const int units = 300;
        await using var a = await StartAsync("PostgreSql", redis: true);
        await using var b = await a.StartNodeAsync();
        await WithinAsync(TimeSpan.FromSeconds(5), async () => (await b.Anonymous.GetAsync($"{FlashSalePlugin.Routes}/sessions")).IsSuccessStatusCode, "the plugin does not serve on node B");
        var (itemId, _) = await SessionAsync(a, units, limit: 1, stock: units);
        var tokens = await a.ShopperTokensAsync(900);
        var work = new ConcurrentQueue<int>(Enumerable.Range(0, tokens.Count));
        var statuses = new ConcurrentBag<HttpStatusCode>();
        await Task.WhenAll(Enumerable.Range(0, 128).Select(i => Task.Run(async () =>
        {
            using var client = (i % 2 == 0 ? a : b).NewClient();
            while (work.TryDequeue(out var s))
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, $"{FlashSalePlugin.Routes}/items/{itemId}/attempts") { Content = JsonContent.Create(new { quantity = 1, key = "two-nodes" }) };
                request.Headers.Authorization = new("Bearer", tokens[s].Token);
                using var response = await client.SendAsync(request);
                statuses.Add(response.StatusCode);
            }
        })));
        Assert.DoesNotContain(statuses, s => (int)s >= 500);
        Assert.Equal(units, statuses.Count(s => s == HttpStatusCode.Accepted));
        await DrainedAsync(a, itemId, units);
        Assert.Equal((0, units), await CountsAsync(a, itemId));
        Assert.Equal(0, await RedisAvailableAsync(a, itemId));
    }

    internal static async Task<MallApp> StartAsync(string provider, bool redis, IEnumerable<KeyValuePair<string, string?>>? more = null)
    {
        var settings = redis ? MallApp.RedisSettings() : [];
        settings.AddRange(more ?? []);
        var app = await MallApp.StartAsync(provider, settings: settings);
        await PluginHostTests.UploadAsync(app, FakeGatewayProcess.PluginPackage(Plugin));
        await PluginHostTests.PostOkAsync(app, $"/api/admin/plugins/{Plugin}/install?enable=true");
        Assert.Equal(redis, app.Services.GetRequiredService<MallRedis>().IsConfigured);
        return app;
    }

    /// <summary>A running session with one item of <paramref name="units"/> at 1.00 (the SKU costs 9.00, and a store-wide promotion would take 0.50 off).</summary>
    internal static async Task<(long ItemId, long SkuId)> SessionAsync(MallApp app, int units, int limit, int stock)
    {
        var (_, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock, price: 9m);
        await app.PostOkAsync("/api/admin/promotions", new { name = "everything 0.50 off", benefit = "goodsReduce", value = 0.5m });
        var session = await app.PostOkAsync($"{FlashSalePlugin.Routes}/admin/sessions", new
        {
            name = "十点秒杀", startsAt = DateTime.UtcNow.AddMinutes(-1), endsAt = DateTime.UtcNow.AddHours(1),
            items = new[] { new { skuId, flashPrice = 1m, flashStock = units, perShopperLimit = limit } },
        });
        return (session.GetProperty("items")[0].GetProperty("id").GetInt64(), skuId);
    }

    private static async Task<int> AttemptAllAsync(MallApp app, long itemId, IReadOnlyList<(long CustomerId, string Token)> tokens, string key)
    {
        var admitted = 0;
        await Parallel.ForEachAsync(tokens, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (token, _) =>
        {
            using var client = app.NewClient();
            using var request = new HttpRequestMessage(HttpMethod.Post, $"{FlashSalePlugin.Routes}/items/{itemId}/attempts") { Content = JsonContent.Create(new { quantity = 1, key }) };
            request.Headers.Authorization = new("Bearer", token.Token);
            using var response = await client.SendAsync(request);
            Assert.True((int)response.StatusCode < 500, await response.Content.ReadAsStringAsync());
            if (response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.Created) Interlocked.Increment(ref admitted);
        });
        return admitted;
    }

    /// <summary>Waits until the queue has turned every admitted unit into an order (the database's reserved + sold reach <paramref name="units"/>).</summary>
    internal static Task DrainedAsync(MallApp app, long itemId, int units) =>
        WithinAsync(TimeSpan.FromSeconds(120), async () => (await CountsAsync(app, itemId)) is var (sold, reserved) && sold + reserved >= units, "the queued tickets did not all become orders");

    internal static async Task<(int Sold, int Reserved)> CountsAsync(MallApp app, long itemId)
    {
        await using var connection = await app.Services.GetRequiredService<IMallDatabase>().OpenConnectionAsync();
        return await connection.QuerySingleAsync<(int, int)>("SELECT sold, reserved FROM flashsale_item WHERE id = @itemId", new { itemId });
    }

    internal static async Task<long> RedisAvailableAsync(MallApp app, long itemId)
    {
        var admin = await CatalogApiTests.GetJsonAsync(app.Admin, $"{FlashSalePlugin.Routes}/admin/sessions/{await SessionOfAsync(app, itemId)}");
        return admin.GetProperty("redisAvailable").GetProperty(itemId.ToString()).GetInt64();
    }

    private static async Task<long> SessionOfAsync(MallApp app, long itemId)
    {
        await using var connection = await app.Services.GetRequiredService<IMallDatabase>().OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT session_id FROM flashsale_item WHERE id = @itemId", new { itemId });
    }

    internal static async Task WithinAsync(TimeSpan bound, Func<Task<bool>> condition, string message) =>
        Assert.True(await TwoNodeTests.WithinAsync(bound, condition) is not null, message);
}
