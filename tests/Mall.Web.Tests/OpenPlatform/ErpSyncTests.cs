using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mall.Inventory;
using Mall.Plugins.ErpSync;
using Mall.Plugins.ErpSync.Signing;
using Mall.Sample.ErpSyncCli;
using Mall.Testing;
using Mall.Web.Tests.Marketing;
using Mall.Web.Tests.Payments;
using Mall.Web.Tests.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace Mall.Web.Tests.OpenPlatform;

/// <summary>The ERP sync plugin against the fake ERP process, on each database.</summary>
public class ErpSyncTests
{
    private const string Plugin = "Mall.Plugins.ErpSync";
    private const string Admin = ErpSyncPlugin.Routes + "/admin";

    internal static async Task<MallApp> StartAsync(string provider, FakeErpProcess erp, ManualClock? clock = null, object? more = null)
    {
        var app = await MallApp.StartAsync(provider, clock is null ? null : services => services.AddSingleton<TimeProvider>(clock), kestrel: true);
        await PluginHostTests.UploadAsync(app, FakeGatewayProcess.PluginPackage(Plugin));
        await PluginHostTests.PostOkAsync(app, $"/api/admin/plugins/{Plugin}/install?enable=true");
        var settings = JsonSerializer.SerializeToNode(new { baseUrl = erp.Url, scheme = erp.Scheme, appKey = erp.AppKey, appSecret = erp.Secret, warehouseCode = "WH-01", pullIntervalSeconds = 3600, retryBaseSeconds = 10, retryMaxSeconds = 300, requestTimeoutSeconds = 2 })!.AsObject();
        if (more is not null) foreach (var (k, v) in JsonSerializer.SerializeToNode(more)!.AsObject()) settings[k] = v?.DeepClone();
        using var put = await app.Admin.PutAsJsonAsync($"/api/admin/plugins/{Plugin}/settings", settings);
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        return app;
    }

    internal static async Task<JsonElement> StatusAsync(MallApp app) => await CatalogApiTests.GetJsonAsync(app.Admin, $"{Admin}/status");

    internal static async Task<(long Id, string Number)> PaidOrderAsync(HttpClient shopper, long skuId, int quantity = 1)
    {
        using var place = ShopperFlowTests.OrderRequest(skuId, quantity, null);
        using var response = await shopper.SendAsync(place);
        var order = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, order.ToString());
        var id = order.GetProperty("id").GetInt64();
        await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{id}/dev-pay");
        return (id, order.GetProperty("number").GetString()!);
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Orders_placed_while_the_ERP_is_down_for_an_hour_arrive_exactly_once_after_it_returns(string provider)
    {
        await using var erp = await FakeErpProcess.StartAsync(TopSignatureScheme.Md5Name);
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        // No scheduled pull in the three hours the clock moves (3600 s would bring one): a pull call taking one of
        // the ERP's lost answers below would leave fewer pushes to retry than the test counts.
        await using var app = await StartAsync(provider, erp, clock, new { pullIntervalSeconds = 86_400 });
        var (_, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 2000, price: 9.9m);
        using var shopper = await app.ShopperAsync("13800000901");

        await erp.FaultAsync("down");
        const int Orders = 500;
        var numbers = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForAsync(0, Orders, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, _) => numbers.Add((await PaidOrderAsync(shopper, skuId)).Number));
        // One more, cancelled unpaid: its cancellation is an event too.
        using (var place = ShopperFlowTests.OrderRequest(skuId, 1, null))
        {
            var unpaid = await (await shopper.SendAsync(place)).Content.ReadFromJsonAsync<JsonElement>();
            await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{unpaid.GetProperty("id").GetInt64()}/cancel");
        }

        // An hour passes in 5-minute steps; the sync keeps trying and failing, and keeps every event.
        for (var step = 0; step < 12; step++)
        {
            clock.Advance(TimeSpan.FromMinutes(5));
            await Task.Delay(300);
        }
        await FlashSaleTests.WithinAsync(TimeSpan.FromSeconds(20), async () => (await StatusAsync(app)).GetProperty("failing").GetInt64() > 0, "no failed attempt was recorded while the ERP was down");
        var down = await StatusAsync(app);
        Assert.Equal(Orders + 1, down.GetProperty("backlog").GetInt64());
        Assert.True(down.GetProperty("lagSeconds").GetDouble() >= 3000, down.ToString());
        Assert.Contains("reach", down.GetProperty("lastError").GetString());
        Assert.Equal(0, (await erp.OrdersAsync()).GetProperty("unique").GetInt32());

        // It returns, losing the answers to its first 20 calls (it took those orders: the mall sends them again),
        // then 10 answers are 500s and 5 are malformed.
        await erp.FaultAsync("duplicate", count: 20);
        clock.Advance(TimeSpan.FromMinutes(6));
        await FlashSaleTests.WithinAsync(TimeSpan.FromSeconds(30), async () => (await erp.OrdersAsync()).GetProperty("unique").GetInt32() >= 100, "the ERP got nothing after it returned");
        await erp.FaultAsync("error500", count: 10);
        await Task.Delay(500);
        await erp.FaultAsync("malformed", count: 5);
        for (var i = 0; i < 20 && (await StatusAsync(app)).GetProperty("backlog").GetInt64() > 0; i++)
        {
            clock.Advance(TimeSpan.FromMinutes(6));
            await Task.Delay(1000);
        }
        await FlashSaleTests.WithinAsync(TimeSpan.FromSeconds(30), async () => (await StatusAsync(app)).GetProperty("backlog").GetInt64() == 0, "the backlog did not drain");

        // The ERP has every order once (and the cancellation), whatever it received twice.
        var got = await erp.OrdersAsync();
        Assert.Equal(Orders + 1, got.GetProperty("unique").GetInt32());
        var keys = got.GetProperty("orders").EnumerateArray().Select(o => o.GetProperty("event_key").GetString()!).ToHashSet();
        Assert.All(numbers, n => Assert.Contains(n + ":paid", keys));
        Assert.Single(keys, k => k.EndsWith(":cancelled", StringComparison.Ordinal));
        Assert.True(got.GetProperty("receipts").EnumerateObject().Count(r => r.Value.GetInt32() > 1) >= 20, "the lost answers were not retried");
        var sample = got.GetProperty("orders").EnumerateArray().First(o => o.GetProperty("event").GetString() == "paid");
        Assert.Equal("WH-01", sample.GetProperty("wms_co_id").GetString());
        Assert.Equal("9.90", sample.GetProperty("items")[0].GetProperty("price").GetString());
        Assert.Equal(1, sample.GetProperty("items")[0].GetProperty("qty").GetInt32());

        // The delivery log: one push per event, each accepted once (one successful attempt), failures recorded.
        Assert.Equal(Orders + 1, await app.CountAsync("erp_push"));
        Assert.Equal(Orders + 1, await app.ScalarAsync<long>("SELECT COUNT(*) FROM erp_attempt WHERE succeeded = @yes", new { yes = true }));
        Assert.Equal(0, await app.ScalarAsync<long>("SELECT COUNT(*) FROM (SELECT push_id FROM erp_attempt WHERE succeeded = @yes GROUP BY push_id HAVING COUNT(*) > 1) t", new { yes = true }));
        Assert.True(await app.ScalarAsync<long>("SELECT COUNT(*) FROM erp_attempt WHERE succeeded = @no", new { no = false }) >= 35);
        var log = await CatalogApiTests.GetJsonAsync(app.Admin, $"{Admin}/pushes?orderNumber={numbers.First()}");
        var push = Assert.Single(log.EnumerateArray());
        Assert.Equal("sent", push.GetProperty("status").GetString());
        var detail = await CatalogApiTests.GetJsonAsync(app.Admin, $"{Admin}/pushes/{push.GetProperty("id").GetInt64()}");
        Assert.True(detail.GetProperty("attemptLog").EnumerateArray().Last().GetProperty("succeeded").GetBoolean());

        // Paused: new events wait; resumed: they go. A full resync sends everything again, and the ERP keeps one of each.
        await ShopperFlowTests.PostOkAsync(app.Admin, $"{Admin}/pause");
        // The test clock has run past the shopper's bearer token lifetime (an hour), so the shopper signs in again.
        using var signedInAgain = await app.ShopperLoginAsync("13800000901");
        var late = await PaidOrderAsync(signedInAgain, skuId);
        await Task.Delay(2500);
        Assert.Equal(1, (await StatusAsync(app)).GetProperty("backlog").GetInt64());
        Assert.True((await StatusAsync(app)).GetProperty("paused").GetBoolean());
        await ShopperFlowTests.PostOkAsync(app.Admin, $"{Admin}/resume");
        await FlashSaleTests.WithinAsync(TimeSpan.FromSeconds(20), async () => (await StatusAsync(app)).GetProperty("backlog").GetInt64() == 0, "the paused push did not go after resume");
        Assert.Contains(late.Number + ":paid", (await erp.OrdersAsync()).GetProperty("orders").EnumerateArray().Select(o => o.GetProperty("event_key").GetString()));

        var started = await ShopperFlowTests.PostOkAsync(app.Admin, $"{Admin}/resync");
        Assert.Equal(Orders + 2, started.GetProperty("total").GetInt64());
        var first = await ShopperFlowTests.PostOkAsync(app.Admin, $"{Admin}/resync/step");
        Assert.Equal(100, first.GetProperty("orders").GetInt64());
        // Interrupted here; starting again without restart goes on where it stopped.
        var again = await ShopperFlowTests.PostOkAsync(app.Admin, $"{Admin}/resync");
        Assert.Equal(first.GetProperty("afterOrderId").GetInt64(), again.GetProperty("afterOrderId").GetInt64());
        JsonElement progress;
        do progress = await ShopperFlowTests.PostOkAsync(app.Admin, $"{Admin}/resync/step");
        while (progress.GetProperty("status").GetString() != "done");
        Assert.Equal(Orders + 2, progress.GetProperty("orders").GetInt64());
        Assert.Equal(Orders + 2, progress.GetProperty("queued").GetInt64());
        await FlashSaleTests.WithinAsync(TimeSpan.FromSeconds(30), async () => (await StatusAsync(app)).GetProperty("backlog").GetInt64() == 0, "the resync did not drain");
        var after = await erp.OrdersAsync();
        Assert.Equal(Orders + 2, after.GetProperty("unique").GetInt32());
        Assert.All(after.GetProperty("receipts").EnumerateObject(), r => Assert.True(r.Value.GetInt32() >= 2, r.Name));
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Stock_pulled_under_concurrent_checkout_never_goes_below_zero_and_prices_follow_their_latest_version(string provider)
    {
        await using var erp = await FakeErpProcess.StartAsync(HmacJsonSignatureScheme.SchemeName);
        var erpSku = "ERP-" + Guid.NewGuid().ToString("N")[..6];
        await using var mall = await StartAsync(provider, erp);
        var (productId, skuId) = await ShopperFlowTests.PublishedProductAsync(mall, stock: 50, price: 20m);
        var code = (await CatalogApiTests.GetJsonAsync(mall.Admin, $"/api/admin/catalog/products/{productId}")).GetProperty("skus")[0].GetProperty("code").GetString()!;
        using (var put = await mall.Admin.PutAsJsonAsync($"/api/admin/plugins/{Plugin}/settings", new { skus = new Dictionary<string, string> { [code] = erpSku } }))
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        var inventory = mall.Services.GetRequiredService<IInventoryService>();

        // A pull that started after this call: the first completion seen may be of a pull already under way (which
        // may have read the feed before the test changed it), so ask twice.
        async Task PullAsync()
        {
            for (var round = 0; round < 2; round++)
            {
                var before = (await StatusAsync(mall)).GetProperty("lastPullAt").ToString();
                using (var pull = await mall.Admin.PostAsync($"{Admin}/pull", null)) Assert.Equal(HttpStatusCode.Accepted, pull.StatusCode);
                await FlashSaleTests.WithinAsync(TimeSpan.FromSeconds(20), async () => (await StatusAsync(mall)).GetProperty("lastPullAt").ToString() != before,
                    "the pull did not run: " + (await StatusAsync(mall)));
            }
        }

        await erp.SetStockAsync(erpSku, 30);
        await erp.SetStockAsync("NOT-IN-THE-MALL", 7);
        await PullAsync();
        Assert.Equal(30, (await inventory.GetAsync(skuId)).Available);

        // Shoppers buy while the ERP's stock changes and is pulled again and again (some pages out of order).
        var shoppers = new List<HttpClient>();
        for (var i = 0; i < 12; i++) shoppers.Add(await mall.ShopperAsync($"1380000{i:D4}"));
        var bought = 0;
        var lowest = long.MaxValue;
        using var stop = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var level = await inventory.GetAsync(skuId);
                lowest = Math.Min(lowest, level.Available);
                Assert.Equal(level.Received, level.Available + level.Reserved + level.Sold);
                await Task.Delay(5);
            }
        });
        var buyers = shoppers.Select(shopper => Task.Run(async () =>
        {
            for (var n = 0; n < 6; n++)
            {
                using var place = ShopperFlowTests.OrderRequest(skuId, 1, null);
                using var response = await shopper.SendAsync(place);
                if (response.IsSuccessStatusCode) Interlocked.Increment(ref bought);
                else Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            }
        })).ToList();
        long last = 0;
        foreach (var qty in new long[] { 12, 3, 0, 25, 8, 40, 1 })
        {
            if (qty == 25) await erp.FaultAsync("outOfOrder", count: 2);
            last = qty;
            await erp.SetStockAsync(erpSku, qty);
            await PullAsync();
        }
        await Task.WhenAll(buyers);
        stop.Cancel();
        await watcher;
        foreach (var shopper in shoppers) shopper.Dispose();

        Assert.True(lowest >= 0, $"available went to {lowest}");
        Assert.True(bought > 0);
        await PullAsync();
        var final = await inventory.GetAsync(skuId);
        Assert.Equal(final.Received, final.Available + final.Reserved + final.Sold);
        Assert.Equal(Math.Max(0, last - final.Reserved), final.Available);
        Assert.True((await StatusAsync(mall)).GetProperty("stockCursor").GetString() is { Length: > 0 });

        // Prices: the latest version wins; an older one answered out of order, a malformed page and a bad price change nothing.
        await erp.SetPriceAsync(erpSku, "18.80");
        await erp.SetPriceAsync(erpSku, 17.5m);
        await PullAsync();
        Assert.Equal(17.5m, (await CatalogApiTests.GetJsonAsync(mall.Admin, $"/api/admin/catalog/products/{productId}")).GetProperty("skus")[0].GetProperty("price").GetDecimal());
        await erp.FaultAsync("outOfOrder", count: 1);
        await erp.SetPriceAsync(erpSku, "-3");
        await PullAsync();
        Assert.Equal(17.5m, (await CatalogApiTests.GetJsonAsync(mall.Admin, $"/api/admin/catalog/products/{productId}")).GetProperty("skus")[0].GetProperty("price").GetDecimal());
        await erp.FaultAsync("malformed", count: 1);
        await erp.SetPriceAsync(erpSku, "99.00");
        var cursor = (await StatusAsync(mall)).GetProperty("priceCursor").GetString();
        using (var pull = await mall.Admin.PostAsync($"{Admin}/pull", null)) Assert.Equal(HttpStatusCode.Accepted, pull.StatusCode);
        await FlashSaleTests.WithinAsync(TimeSpan.FromSeconds(20), async () => (await StatusAsync(mall)).GetProperty("lastError").GetString()?.Contains("not the ERP protocol", StringComparison.Ordinal) == true, "the malformed page was not reported");
        Assert.Equal(cursor, (await StatusAsync(mall)).GetProperty("priceCursor").GetString());
        await PullAsync();
        Assert.Equal(99m, (await CatalogApiTests.GetJsonAsync(mall.Admin, $"/api/admin/catalog/products/{productId}")).GetProperty("skus")[0].GetProperty("price").GetDecimal());
    }

    public static TheoryData<string, string> Schemes => new()
    {
        { "Sqlite", TopSignatureScheme.Md5Name }, { "Sqlite", TopSignatureScheme.HmacName }, { "Sqlite", HmacJsonSignatureScheme.SchemeName },
        { "MySql", TopSignatureScheme.HmacName }, { "PostgreSql", HmacJsonSignatureScheme.SchemeName },
    };

    [Theory, MemberData(nameof(Schemes))]
    public async Task Shipment_confirmations_ship_an_order_once_and_forged_stale_or_unsigned_ones_are_refused(string provider, string scheme)
    {
        await using var erp = await FakeErpProcess.StartAsync(scheme);
        await using var app = await StartAsync(provider, erp, more: new { carriers = new Dictionary<string, string> { ["SF"] = "顺丰速运" } });
        var inbound = new Uri(app.Anonymous.BaseAddress!, ErpSyncPlugin.Routes + "/inbound").ToString();
        var (_, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 5, price: 10m);
        using var shopper = await app.ShopperAsync("13800000951");
        var (orderId, number) = await PaidOrderAsync(shopper, skuId);

        // Bad calls first: refused with problem details, and the order is still paid.
        foreach (var (forge, unsigned, offset, why) in new[] { (true, false, 0, "forged"), (false, true, 0, "unsigned"), (false, false, -3600, "stale"), (false, false, 3600, "from the future") })
        {
            var (status, body) = await erp.ShipAsync(inbound, number, "SF", "SF100", forge, unsigned, offset);
            Assert.True(status == 401, $"{why}: {status} {body}");
            Assert.Equal("erp.signature", JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
        }
        var (unknownStatus, _) = await erp.ShipAsync(inbound, "M-NO-SUCH-ORDER", "SF", "SF100");
        Assert.Equal(404, unknownStatus);
        var (emptyStatus, emptyBody) = await erp.ShipAsync(inbound, number, "SF", "");
        Assert.True(emptyStatus == 400, emptyBody);
        Assert.Equal("paid", (await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/orders/{orderId}")).GetProperty("status").GetString());

        // A good one ships the order with the mapped carrier; the same again changes nothing; another tracking number is a conflict.
        var (okStatus, okBody) = await erp.ShipAsync(inbound, number, "SF", "SF100");
        Assert.True(okStatus == 200, okBody);
        var order = await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/orders/{orderId}");
        Assert.Equal("shipped", order.GetProperty("status").GetString());
        Assert.Equal("顺丰速运", order.GetProperty("shippingCarrier").GetString());
        Assert.Equal("SF100", order.GetProperty("trackingNumber").GetString());
        var (repeatStatus, repeatBody) = await erp.ShipAsync(inbound, number, "SF", "SF100");
        Assert.True(repeatStatus == 200 && JsonDocument.Parse(repeatBody).RootElement.GetProperty("data").GetProperty("alreadyShipped").GetBoolean(), repeatBody);
        Assert.Equal(409, (await erp.ShipAsync(inbound, number, "SF", "SF999")).Status);
        var history = (await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/orders/{orderId}")).GetProperty("history");
        Assert.Single(history.EnumerateArray(), h => h.GetProperty("to").GetString() == "shipped");
    }

    [Fact]
    public async Task Settings_and_mapping_are_validated_when_saved_and_nothing_bad_is_kept()
    {
        await using var erp = await FakeErpProcess.StartAsync(TopSignatureScheme.Md5Name);
        await using var app = await StartAsync("Sqlite", erp);
        object[] bad =
        [
            new { baseUrl = "ftp://erp.example.com" },
            new { scheme = "rsa-please" },
            new { appSecret = "short" },
            new { warehouseCode = " " },
            new { retryBaseSeconds = 0 },
            new { fields = new Dictionary<string, string> { ["orderNumber"] = "so_id", ["event"] = "event", ["lines"] = "items", ["skuCode"] = "sku", ["quantity"] = "qty", ["colour"] = "x" } },
            new { fields = new Dictionary<string, string> { ["event"] = "event", ["lines"] = "items", ["skuCode"] = "sku", ["quantity"] = "qty" } },
            new { fields = new Dictionary<string, string> { ["orderNumber"] = "so_id", ["event"] = "so_id", ["lines"] = "items", ["skuCode"] = "sku", ["quantity"] = "qty" } },
            new { fields = new Dictionary<string, string> { ["orderNumber"] = "so id!", ["event"] = "event", ["lines"] = "items", ["skuCode"] = "sku", ["quantity"] = "qty" } },
            new { skus = new Dictionary<string, string> { ["A-1"] = "E-1", ["A-2"] = "E-1" } },
            new { skus = new Dictionary<string, string> { ["A-1"] = "" } },
        ];
        var saved = (await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/plugins/{Plugin}/settings")).ToString();
        foreach (var body in bad)
        {
            using var put = await app.Admin.PutAsJsonAsync($"/api/admin/plugins/{Plugin}/settings", body);
            var text = await put.Content.ReadAsStringAsync();
            Assert.True(put.StatusCode == HttpStatusCode.BadRequest, $"{JsonSerializer.Serialize(body)} → {(int)put.StatusCode} {text}");
            Assert.Contains("errors", text);
        }
        Assert.Equal(saved, (await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/plugins/{Plugin}/settings")).ToString());

        // The admin API refuses bad queries and needs an orders admin.
        using (var badQuery = await app.Admin.GetAsync($"{Admin}/pushes?status=lost"))
            Assert.Equal(HttpStatusCode.BadRequest, badQuery.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Anonymous.GetAsync($"{Admin}/status")).StatusCode);
        using var step = await app.Admin.PostAsync($"{Admin}/resync/step", null);
        Assert.Equal(HttpStatusCode.Conflict, step.StatusCode);

        // API keys: orders:read reads the status, not the controls; orders:write controls; catalog scopes reach nothing here.
        async Task<HttpClient> KeyAsync(params string[] scopes) =>
            ApiKeyTests.KeyClient(app, (await app.PostOkAsync("/api/admin/api-keys", new { name = "erp " + string.Join(",", scopes), scopes })).GetProperty("token").GetString()!);
        using var reader = await KeyAsync("orders:read");
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync($"{Admin}/status")).StatusCode);
        var refused = await ApiKeyTests.ProblemAsync(await reader.PostAsync($"{Admin}/pause", null), HttpStatusCode.Forbidden);
        Assert.Contains("orders:write", refused.ToString());
        using var writer = await KeyAsync("orders:write");
        Assert.Equal(HttpStatusCode.OK, (await writer.PostAsync($"{Admin}/resume", null)).StatusCode);
        using var catalog = await KeyAsync("catalog:read", "catalog:write");
        await ApiKeyTests.ProblemAsync(await catalog.GetAsync($"{Admin}/status"), HttpStatusCode.Forbidden);
        await ApiKeyTests.ProblemAsync(await catalog.PostAsync($"{Admin}/retry", null), HttpStatusCode.Forbidden);
    }

    /// <summary>Signatures match values computed by an independent implementation (Python's hashlib and hmac).</summary>
    [Fact]
    public async Task Signatures_match_independently_computed_values()
    {
        var parameters = new Dictionary<string, string>
        {
            ["method"] = "erp.order.push", ["app_key"] = "mall-app", ["timestamp"] = "2026-12-02 18:30:00", ["format"] = "json", ["v"] = "2.0", ["sign_method"] = "md5",
            ["biz"] = "{\"so_id\":\"M1\"}",
        };
        Assert.Equal("8BF7816BDB492D8BB66B0AA75D2C0F20", TopSignatureScheme.Sign(parameters, "erp-secret-123", hmac: false));
        parameters["sign_method"] = "hmac";
        Assert.Equal("9FF1A4F236E7B26D78AB2920E9CF031B", TopSignatureScheme.Sign(parameters, "erp-secret-123", hmac: true));
        Assert.Equal("Ov2S3+yKhoSdFj+fnBTz0mlxo8+1rQVBnJqPtniwGUg=",
            HmacJsonSignatureScheme.Sign(new ErpCredentials("mall-app", "erp-secret-123"), "1764671400", "n0nce", "erp.order.push", "{\"so_id\":\"M1\"}"));

        // What the mall sends verifies, and a changed parameter does not.
        var scheme = new TopSignatureScheme(hmac: true);
        var now = DateTimeOffset.UtcNow;
        using var request = scheme.CreateRequest(new Uri("http://erp.test/"), "erp.shipment.confirm", "{}", new ErpCredentials("k", "secret-secret"), now);
        var form = System.Web.HttpUtility.ParseQueryString(await request.Content!.ReadAsStringAsync());
        var fields = form.AllKeys.ToDictionary(k => k!, k => form[k]!);
        Assert.Equal("erp.shipment.confirm", scheme.Verify(new ErpInboundRequest(fields, new Dictionary<string, string>(), ""), new ErpCredentials("k", "secret-secret"), now, TimeSpan.FromMinutes(5)).Method);
        fields["biz"] = "{\"so_id\":\"other\"}";
        Assert.Throws<ErpSignatureException>(() => scheme.Verify(new ErpInboundRequest(fields, new Dictionary<string, string>(), ""), new ErpCredentials("k", "secret-secret"), now, TimeSpan.FromMinutes(5)));
    }
}

/// <summary>The resync command line (samples/Mall.Sample.ErpSyncCli) against a mall and the fake ERP.</summary>
public class ErpSyncCliTests
{
    [Fact]
    public async Task The_command_line_resync_resumes_an_interrupted_run_and_reports_a_summary()
    {
        await using var erp = await FakeErpProcess.StartAsync(TopSignatureScheme.HmacName);
        var app = await MallApp.StartAsync("Sqlite", kestrel: true);
        await using var _ = app;
        await PluginHostTests.UploadAsync(app, FakeGatewayProcess.PluginPackage("Mall.Plugins.ErpSync"));
        await PluginHostTests.PostOkAsync(app, "/api/admin/plugins/Mall.Plugins.ErpSync/install?enable=true");
        var (_, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 500, price: 5m);
        using var shopper = await app.ShopperAsync("13800000971");
        for (var i = 0; i < 150; i++)
        {
            using var place = ShopperFlowTests.OrderRequest(skuId, 1, null);
            var order = await (await shopper.SendAsync(place)).Content.ReadFromJsonAsync<JsonElement>();
            await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{order.GetProperty("id").GetInt64()}/dev-pay");
        }
        // Configured only now: the 150 events waited for it (none is lost while the ERP is not set up).
        using (var put = await app.Admin.PutAsJsonAsync("/api/admin/plugins/Mall.Plugins.ErpSync/settings",
                   new { baseUrl = erp.Url, scheme = erp.Scheme, appKey = erp.AppKey, appSecret = erp.Secret, warehouseCode = "WH-01" }))
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        await FlashSaleTests.WithinAsync(TimeSpan.FromSeconds(30), async () => (await erp.OrdersAsync()).GetProperty("unique").GetInt32() == 150, "the waiting events were not sent");

        // A run interrupted after its first step (as a lost connection would leave it)…
        await ShopperFlowTests.PostOkAsync(app.Admin, $"{ErpSyncPlugin.Routes}/admin/resync");
        await ShopperFlowTests.PostOkAsync(app.Admin, $"{ErpSyncPlugin.Routes}/admin/resync/step");

        // …goes on where it stopped when the command runs again, with a key that has the orders scopes.
        var token = (await app.PostOkAsync("/api/admin/api-keys", new { name = "resync", scopes = new[] { "orders:read", "orders:write" } })).GetProperty("token").GetString()!;
        var options = ErpSyncOptions.Parse(["sync", "--full", "--url", app.Anonymous.BaseAddress!.ToString(), "--key", token], null);
        Assert.Null(options.Error);
        using var http = new HttpClient { BaseAddress = new Uri(options.Url!) };
        http.DefaultRequestHeaders.Add("X-Mall-Api-Key", options.Key);
        var console = new Spectre.Console.Testing.TestConsole();
        Assert.Equal(0, await new ErpSyncCommand(http, console).RunAsync(options.Restart, CancellationToken.None));
        Assert.Contains("Resuming the resync", console.Output);
        Assert.Contains("100 of 150 orders done", console.Output);
        Assert.Contains("Resync complete.", console.Output);
        var events = await app.ScalarAsync<long>("SELECT COUNT(*) FROM erp_push");
        Assert.Equal(150, events);
        var received = await erp.OrdersAsync();
        Assert.Equal(150, received.GetProperty("unique").GetInt32());
        // Every order was sent again by the resync (the ERP deduplicated them).
        Assert.All(received.GetProperty("receipts").EnumerateObject(), r => Assert.Equal(2, r.Value.GetInt32()));

        // Bad command lines are refused with the usage.
        Assert.NotNull(ErpSyncOptions.Parse(["sync", "--url", "http://x"], "k").Error);
        Assert.NotNull(ErpSyncOptions.Parse(["sync", "--full", "--url", "ftp://x"], "k").Error);
        Assert.NotNull(ErpSyncOptions.Parse(["sync", "--full", "--url", "http://x"], null).Error);
    }
}

/// <summary>The plugin's life cycle: hot-installed, used against the ERP, uninstalled with its data, its load context collected.</summary>
public class ErpSyncLifecycleTests
{
    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task The_plugin_is_hot_installed_used_and_uninstalled_with_its_tables_and_load_context_gone(string provider)
    {
        await using var erp = await FakeErpProcess.StartAsync(HmacJsonSignatureScheme.SchemeName);
        await using var app = await MallApp.StartAsync(provider, kestrel: true);
        var unloaded = PluginHostTests.WatchUnloads(app);
        await PluginHostTests.UploadAsync(app, FakeGatewayProcess.PluginPackage("Mall.Plugins.ErpSync"));
        await PluginHostTests.PostOkAsync(app, "/api/admin/plugins/Mall.Plugins.ErpSync/install?enable=true");
        using (var put = await app.Admin.PutAsJsonAsync("/api/admin/plugins/Mall.Plugins.ErpSync/settings",
                   new { baseUrl = erp.Url, scheme = erp.Scheme, appKey = erp.AppKey, appSecret = erp.Secret, warehouseCode = "WH-01" }))
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        var (_, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 5, price: 5m);
        using var shopper = await app.ShopperAsync("13800000981");
        using (var place = ShopperFlowTests.OrderRequest(skuId, 1, null))
        {
            var order = await (await shopper.SendAsync(place)).Content.ReadFromJsonAsync<JsonElement>();
            await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{order.GetProperty("id").GetInt64()}/dev-pay");
        }
        await FlashSaleTests.WithinAsync(TimeSpan.FromSeconds(20), async () => (await erp.OrdersAsync()).GetProperty("unique").GetInt32() == 1, "the order did not reach the ERP");

        Assert.Equal(HttpStatusCode.NoContent, (await app.Admin.DeleteAsync("/api/admin/plugins/Mall.Plugins.ErpSync?dropData=true")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Admin.GetAsync($"{ErpSyncPlugin.Routes}/admin/status")).StatusCode);
        await Assert.ThrowsAnyAsync<Exception>(() => app.CountAsync("erp_push"));
        // Orders go on without it.
        using (var place = ShopperFlowTests.OrderRequest(skuId, 1, null))
            Assert.True((await shopper.SendAsync(place)).IsSuccessStatusCode);
        Assert.NotEmpty(unloaded);
        foreach (var report in unloaded) await PluginHostTests.AssertCollectedAsync(report.LoadContext, $"ERP sync {report.Version}");
    }
}
