using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mall.Security;
using Mall.Testing;
using Mall.Web.Tests.Marketing;

namespace Mall.Web.Tests.OpenPlatform;

/// <summary>
/// The transactional outbox and webhooks, against a real receiver on a loopback port: events written with their
/// change and delivered signed, once each; failures retried with backoff, every attempt recorded, a subscription that
/// keeps failing paused and resumed; any delivery replayed; a subscription re-sent everything since a time; events
/// committed by a node that never dispatched delivered by another; URLs that point at the host refused.
/// </summary>
public class WebhookTests
{
    private const string Subscriptions = "/api/admin/webhooks/subscriptions";
    private const string Deliveries = "/api/admin/webhooks/deliveries";

    private static List<KeyValuePair<string, string?>> Settings(params (string Key, string Value)[] more) =>
    [
        new("Mall:Webhooks:AllowedNetworks:0", "127.0.0.1/32"),
        new("Mall:Webhooks:PollInterval", "00:00:00.200"),
        .. more.Select(m => new KeyValuePair<string, string?>("Mall:Webhooks:" + m.Key, m.Value)),
    ];

    private static async Task<(long Id, string Secret)> SubscribeAsync(MallApp app, WebhookReceiver receiver, params string[] events)
    {
        var created = await app.PostOkAsync(Subscriptions, new { name = "test receiver", url = receiver.Url, events });
        var secret = created.GetProperty("secret").GetString()!;
        receiver.Secret = secret;
        return (created.GetProperty("subscription").GetProperty("id").GetInt64(), secret);
    }

    private static Task WithinAsync(Func<bool> condition, string message, int seconds = 20) =>
        FlashSaleTests.WithinAsync(TimeSpan.FromSeconds(seconds), () => Task.FromResult(condition()), message);

    private static async Task<JsonElement> DeliveriesAsync(MallApp app, string query = "") => await CatalogApiTests.GetJsonAsync(app.Admin, $"{Deliveries}?pageSize=100{query}");

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Order_events_reach_a_subscription_signed_once_each_and_every_delivery_is_logged(string provider)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = await MallApp.StartAsync(provider, settings: Settings());
        var (subscriptionId, secret) = await SubscribeAsync(app, receiver, "order.*", "payment.refunded");
        Assert.StartsWith("whsec_", secret);
        // The secret is in no later answer.
        Assert.DoesNotContain(secret, (await CatalogApiTests.GetJsonAsync(app.Admin, Subscriptions)).ToString());

        var (_, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 5, price: 12.5m);
        using var shopper = await app.ShopperAsync("13800000301");
        using var place = ShopperFlowTests.OrderRequest(skuId, 2, "w-1");
        var order = await (await shopper.SendAsync(place)).Content.ReadFromJsonAsync<JsonElement>();
        var orderId = order.GetProperty("id").GetInt64();
        // A refused order (more than the stock) writes no event: the outbox row rolls back with it.
        using (var tooMany = ShopperFlowTests.OrderRequest(skuId, 50, null))
            Assert.Equal(HttpStatusCode.Conflict, (await shopper.SendAsync(tooMany)).StatusCode);
        await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{orderId}/dev-pay");
        await app.PostOkAsync($"/api/admin/orders/{orderId}/ship", new { carrier = "SF Express", trackingNumber = "SF-WEBHOOK-1" });

        await WithinAsync(() => receiver.Requests.Count >= 3, "three order events did not arrive");
        await Task.Delay(500);
        var received = receiver.Requests.ToList();
        Assert.Equal(["order.placed", "order.paid", "order.shipped"], received.Select(r => r.EventType).OrderBy(t => t == "order.placed" ? 0 : t == "order.paid" ? 1 : 2));
        Assert.Equal(3, received.Count);
        Assert.All(received, r =>
        {
            Assert.True(r.SignatureValid, $"the signature of {r.EventType} does not verify");
            Assert.Equal(r.Id, r.Json.GetProperty("id").GetString());
            Assert.Equal(r.EventType, r.Json.GetProperty("type").GetString());
            Assert.Equal($"order:{orderId}", r.Json.GetProperty("subject").GetString());
            Assert.Equal(orderId, r.Json.GetProperty("data").GetProperty("orderId").GetInt64());
        });
        Assert.Equal(3, received.Select(r => r.Id).Distinct().Count());
        var placed = received.Single(r => r.EventType == "order.placed").Json.GetProperty("data");
        Assert.Equal(25m, placed.GetProperty("total").GetDecimal());
        Assert.Equal(2, placed.GetProperty("lines")[0].GetProperty("quantity").GetInt32());
        Assert.Equal("pendingPayment", placed.GetProperty("status").GetString());
        var shipped = received.Single(r => r.EventType == "order.shipped").Json.GetProperty("data");
        Assert.Equal("SF-WEBHOOK-1", shipped.GetProperty("trackingNumber").GetString());
        Assert.Equal("paid", shipped.GetProperty("previousStatus").GetString());
        // A forged body does not verify with the same headers.
        var first = received[0];
        var forged = first.Body.ToArray();
        forged[^2] ^= 1;
        Assert.False(Mall.Webhooks.WebhookSignature.Verify(secret, first.Id, first.Json.GetProperty("occurredAt").GetDateTimeOffset().ToUnixTimeSeconds().ToString(), first.Signature, forged, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));

        // Product and stock events were written too, but this subscription does not want them.
        Assert.True(await app.ScalarAsync<long>("SELECT COUNT(*) FROM mall_outbox WHERE type = 'product.changed'", new { }) >= 2);
        Assert.Equal(1, await app.ScalarAsync<long>("SELECT COUNT(*) FROM mall_outbox WHERE type = 'order.placed'", new { }));
        Assert.Equal(0, await app.ScalarAsync<long>("SELECT COUNT(*) FROM mall_outbox WHERE dispatched_at IS NULL", new { }));

        // The log: three successful deliveries, one attempt each, with the receiver's status and answer.
        var log = await DeliveriesAsync(app, $"&subscriptionId={subscriptionId}");
        Assert.Equal(3, log.GetProperty("total").GetInt64());
        foreach (var d in log.GetProperty("items").EnumerateArray())
        {
            Assert.Equal("succeeded", d.GetProperty("status").GetString());
            Assert.Equal(1, d.GetProperty("attempts").GetInt32());
            var detail = await CatalogApiTests.GetJsonAsync(app.Admin, $"{Deliveries}/{d.GetProperty("id").GetInt64()}");
            var attempt = detail.GetProperty("attempts").EnumerateArray().Single();
            Assert.Equal(200, attempt.GetProperty("statusCode").GetInt32());
            Assert.Equal("ok", attempt.GetProperty("responseExcerpt").GetString());
            Assert.Equal(received.Single(r => r.Id == d.GetProperty("eventId").GetString()).Body, System.Text.Encoding.UTF8.GetBytes(detail.GetProperty("body").GetString()!));
        }
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task A_failing_receiver_is_retried_with_backoff_every_attempt_recorded_then_paused_and_resumed(string provider)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Status = 500;
        receiver.Answer = "down for maintenance";
        await using var app = await MallApp.StartAsync(provider, settings: Settings(
            ("ImmediateRetries", "1"), ("FirstRetryDelay", "00:00:00.500"), ("MaxRetryDelay", "00:00:01"), ("RetryPeriod", "01:00:00"), ("PauseAfter", "00:00:04")));
        var (subscriptionId, _) = await SubscribeAsync(app, receiver, "product.changed");
        await ShopperFlowTests.PublishedProductAsync(app, stock: 1, price: 3m);

        // Rounds of two attempts (one at once, one immediate retry), the waits between rounds growing.
        await WithinAsync(() => receiver.Requests.Count >= 6, "the failing deliveries were not retried", 15);
        var delivery = (await DeliveriesAsync(app, $"&subscriptionId={subscriptionId}")).GetProperty("items")[0];
        var detail = await CatalogApiTests.GetJsonAsync(app.Admin, $"{Deliveries}/{delivery.GetProperty("id").GetInt64()}");
        var attempts = detail.GetProperty("attempts").EnumerateArray().ToList();
        Assert.True(attempts.Count >= 2);
        Assert.All(attempts, a =>
        {
            Assert.False(a.GetProperty("succeeded").GetBoolean());
            Assert.Equal(500, a.GetProperty("statusCode").GetInt32());
            Assert.Equal("down for maintenance", a.GetProperty("responseExcerpt").GetString());
            Assert.True(a.GetProperty("durationMs").GetInt32() >= 0);
        });
        Assert.Equal("pending", detail.GetProperty("delivery").GetProperty("status").GetString());
        // Every attempt of one event carries the same event id: as many ids as events (created, published).
        Assert.Equal(await app.ScalarAsync<long>("SELECT COUNT(*) FROM mall_outbox WHERE type = 'product.changed'", new { }), receiver.Requests.Select(r => r.Id).Distinct().Count());

        // Failing for longer than PauseAfter: paused with a reason, not deleted; nothing more is sent.
        await FlashSaleTests.WithinAsync(TimeSpan.FromSeconds(20), async () =>
            (await CatalogApiTests.GetJsonAsync(app.Admin, $"{Subscriptions}/{subscriptionId}")).GetProperty("status").GetString() == "paused", "the failing subscription was not paused");
        var paused = await CatalogApiTests.GetJsonAsync(app.Admin, $"{Subscriptions}/{subscriptionId}");
        Assert.Contains("failed since", paused.GetProperty("pausedReason").GetString());
        await Task.Delay(1500);
        var sent = receiver.Requests.Count;
        await ShopperFlowTests.PublishedProductAsync(app, stock: 1, price: 4m);
        await Task.Delay(1500);
        Assert.Equal(sent, receiver.Requests.Count);

        // The receiver is back; resumed, what waited is sent at once, and the subscription is healthy again.
        receiver.Status = 200;
        receiver.Answer = "ok";
        await app.PostOkAsync($"{Subscriptions}/{subscriptionId}/resume", new { });
        await WithinAsync(() => receiver.Requests.Skip(sent).Count(r => r.SignatureValid) >= 4, "the queued deliveries were not sent after resuming");
        await FlashSaleTests.WithinAsync(TimeSpan.FromSeconds(10), async () =>
            (await DeliveriesAsync(app, $"&subscriptionId={subscriptionId}&status=pending")).GetProperty("total").GetInt64() == 0, "deliveries stayed pending");
        var healthy = await CatalogApiTests.GetJsonAsync(app.Admin, $"{Subscriptions}/{subscriptionId}");
        Assert.Equal("active", healthy.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, healthy.GetProperty("failingSince").ValueKind);
        Assert.Equal(JsonValueKind.String, healthy.GetProperty("lastSuccessAt").ValueKind);
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Any_delivery_failed_or_successful_is_replayed_and_a_subscription_is_resent_everything_since_a_time(string provider)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Status = 503;
        await using var app = await MallApp.StartAsync(provider, settings: Settings(("ImmediateRetries", "0"), ("RetryPeriod", "00:00:00")));
        var (subscriptionId, _) = await SubscribeAsync(app, receiver, "product.*", "stock.changed");
        var since = DateTime.UtcNow.AddSeconds(-1);
        await ShopperFlowTests.PublishedProductAsync(app, stock: 3, price: 9m);

        // With no retry period, one failed round makes a delivery failed.
        await FlashSaleTests.WithinAsync(TimeSpan.FromSeconds(15), async () =>
            (await DeliveriesAsync(app, "&status=failed")).GetProperty("total").GetInt64() >= 1, "no delivery failed");
        var failed = (await DeliveriesAsync(app, "&status=failed")).GetProperty("items")[0];
        var failedEvent = failed.GetProperty("eventId").GetString()!;
        receiver.Status = 200;

        // Replaying the failed delivery: a new delivery of the same event, which succeeds.
        var replay = await app.PostOkAsync($"{Deliveries}/{failed.GetProperty("id").GetInt64()}/replay", new { });
        Assert.Equal(failed.GetProperty("id").GetInt64(), replay.GetProperty("replayOf").GetInt64());
        Assert.Equal(failedEvent, replay.GetProperty("eventId").GetString());
        await WithinAsync(() => receiver.Requests.Count(r => r.Id == failedEvent && r.SignatureValid && r.ReceivedAt > DateTime.UtcNow.AddSeconds(-30)) >= 2, "the replay did not arrive");
        await FlashSaleTests.WithinAsync(TimeSpan.FromSeconds(10), async () =>
            (await CatalogApiTests.GetJsonAsync(app.Admin, $"{Deliveries}/{replay.GetProperty("id").GetInt64()}")).GetProperty("delivery").GetProperty("status").GetString() == "succeeded", "the replay did not succeed");

        // Replaying a successful delivery sends it once more, with the same event id.
        var before = receiver.Requests.Count(r => r.Id == failedEvent);
        await app.PostOkAsync($"{Deliveries}/{replay.GetProperty("id").GetInt64()}/replay", new { });
        await WithinAsync(() => receiver.Requests.Count(r => r.Id == failedEvent) == before + 1, "the successful delivery was not replayed");

        // Resend since a time: every wanted event since then, once more.
        var events = await app.ScalarAsync<long>("SELECT COUNT(*) FROM mall_outbox WHERE type IN ('product.changed', 'stock.changed')", new { });
        Assert.True(events >= 2);
        var count = receiver.Requests.Count;
        var resent = await app.PostOkAsync($"{Subscriptions}/{subscriptionId}/resend", new { since });
        Assert.Equal(events, resent.GetProperty("queued").GetInt64());
        await WithinAsync(() => receiver.Requests.Count >= count + events, "the resend did not arrive");
        Assert.Equal(receiver.Requests.Skip(count).Select(r => r.Id).Distinct().Count(), (int)events);
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Events_committed_by_a_node_that_never_dispatched_are_delivered_by_another(string provider)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        // Node A writes but never dispatches (as if it died after every commit).
        await using var app = await MallApp.StartAsync(provider, settings: Settings(("Enabled", "false")));
        await SubscribeAsync(app, receiver, "order.placed");
        var (_, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 10, price: 2m);
        using var shopper = await app.ShopperAsync("13800000302");
        for (var i = 0; i < 5; i++)
        {
            using var place = ShopperFlowTests.OrderRequest(skuId, 1, $"n-{i}");
            Assert.Equal(HttpStatusCode.Created, (await shopper.SendAsync(place)).StatusCode);
        }
        await Task.Delay(1000);
        Assert.Empty(receiver.Requests);
        Assert.Equal(5, await app.ScalarAsync<long>("SELECT COUNT(*) FROM mall_outbox WHERE type = 'order.placed' AND dispatched_at IS NULL", new { }));

        // Node B dispatches what A committed: each order once.
        await using var node = await app.StartNodeAsync([new("Mall:Webhooks:Enabled", "true")]);
        await WithinAsync(() => receiver.Requests.Count >= 5, "node B did not deliver the events node A committed");
        await Task.Delay(500);
        Assert.Equal(5, receiver.Requests.Count);
        Assert.Equal(5, receiver.Requests.Select(r => r.Json.GetProperty("data").GetProperty("orderId").GetInt64()).Distinct().Count());
    }

    [Fact]
    public async Task Webhook_urls_that_point_at_the_host_or_its_metadata_service_are_refused_when_saved_and_when_connecting()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using (var app = await MallApp.StartAsync(Mall.Data.Sqlite.SqliteDatabaseProvider.ProviderName, settings: [new("Mall:Webhooks:PollInterval", "00:00:00.200")]))
        {
            foreach (var (url, says) in new[]
                     {
                         ("http://127.0.0.1:9/hook", "loopback"), ("http://[::1]:9/hook", "loopback"), ("http://localhost:9/hook", "loopback"),
                         ("http://169.254.169.254/latest/meta-data/", "link-local"), ("http://100.100.100.200/latest/meta-data/", "metadata"),
                         ("http://0.0.0.0:80/", "unspecified"), ("http://[::ffff:127.0.0.1]/", "loopback"), ("http://[fe80::1]/", "link-local"),
                         ("ftp://example.com/hook", "http"), ("not a url", "absolute"), ("http://user:pw@10.0.0.1/hook", "password"),
                     })
            {
                using var response = await app.Admin.PostAsJsonAsync(Subscriptions, new { name = "probe", url, events = new[] { "*" } });
                var problem = await ApiKeyTests.ProblemAsync(response, HttpStatusCode.BadRequest);
                Assert.Contains(says, problem.GetProperty("errors").GetProperty("url")[0].GetString());
            }
            Assert.Equal(0, await app.CountAsync("mall_webhook_subscription"));

            // A name that pointed elsewhere when saved and at the host later (DNS rebinding) is refused on connecting.
            await app.ScalarAsync<long>(
                "INSERT INTO mall_webhook_subscription (name, url, events, secret, status, created_by, created_at, updated_at) VALUES ('rebound', @url, '*', 'whsec_AAAA', 0, 'test', @at, @at)",
                new { url = receiver.Url, at = DateTime.UtcNow.AddMinutes(-1) });
            await ShopperFlowTests.PublishedProductAsync(app, stock: 1, price: 1m);
            await FlashSaleTests.WithinAsync(TimeSpan.FromSeconds(15), async () =>
                await app.ScalarAsync<long>("SELECT COUNT(*) FROM mall_webhook_attempt", new { }) >= 1, "no attempt was recorded");
            var error = await app.ScalarAsync<string>("SELECT error FROM mall_webhook_attempt ORDER BY id", new { });
            Assert.Contains("loopback", error);
            Assert.Empty(receiver.Requests);
        }

        // Allowed explicitly, the same receiver is called; a redirect is an answer, never followed.
        await using (var allowed = await MallApp.StartAsync(Mall.Data.Sqlite.SqliteDatabaseProvider.ProviderName, settings: Settings(("ImmediateRetries", "0"), ("RetryPeriod", "00:00:00"))))
        {
            receiver.Status = 307;
            receiver.Location = "http://169.254.169.254/latest/meta-data/";
            await SubscribeAsync(allowed, receiver, "product.changed");
            await ShopperFlowTests.PublishedProductAsync(allowed, stock: 1, price: 1m);
            await FlashSaleTests.WithinAsync(TimeSpan.FromSeconds(15), async () =>
                (await DeliveriesAsync(allowed, "&status=failed")).GetProperty("total").GetInt64() >= 1, "the redirected delivery did not fail");
            Assert.Equal(307, await allowed.ScalarAsync<int>("SELECT status_code FROM mall_webhook_attempt ORDER BY id", new { }));
            Assert.All(receiver.Requests, r => Assert.True(r.SignatureValid));
        }
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Bad_webhook_requests_are_problems_that_change_nothing_and_keys_need_webhooks_manage(string provider)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = await MallApp.StartAsync(provider, settings: Settings());
        var (id, _) = await SubscribeAsync(app, receiver, "order.paid");
        foreach (var (body, field) in new (object Body, string Field)[]
                 {
                     (new { url = receiver.Url, events = new[] { "order.paid" } }, "name"),
                     (new { name = new string('n', 101), url = receiver.Url, events = new[] { "order.paid" } }, "name"),
                     (new { name = "x", events = new[] { "order.paid" } }, "url"),
                     (new { name = "x", url = receiver.Url, events = Array.Empty<string>() }, "events"),
                     (new { name = "x", url = receiver.Url, events = new[] { "order.teleported" } }, "events[0]"),
                     (new { name = "x", url = receiver.Url, events = new[] { "nothing.*" } }, "events[0]"),
                 })
        {
            using var response = await app.Admin.PostAsJsonAsync(Subscriptions, body);
            var problem = await ApiKeyTests.ProblemAsync(response, HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error for {field}: {problem}");
        }
        using (var malformed = await app.Admin.PostAsync(Subscriptions, new StringContent("{\"name\": ", System.Text.Encoding.UTF8, "application/json")))
            await ApiKeyTests.ProblemAsync(malformed, HttpStatusCode.BadRequest);
        using (var badPatch = await app.Admin.PatchAsJsonAsync($"{Subscriptions}/{id}", new { url = "http://169.254.169.254/" }))
            await ApiKeyTests.ProblemAsync(badPatch, HttpStatusCode.BadRequest);
        using (var future = await app.Admin.PostAsJsonAsync($"{Subscriptions}/{id}/resend", new { since = DateTime.UtcNow.AddDays(1) }))
            await ApiKeyTests.ProblemAsync(future, HttpStatusCode.BadRequest);
        using (var ancient = await app.Admin.PostAsJsonAsync($"{Subscriptions}/{id}/resend", new { since = DateTime.UtcNow.AddDays(-400) }))
            await ApiKeyTests.ProblemAsync(ancient, HttpStatusCode.BadRequest);
        using (var noSince = await app.Admin.PostAsJsonAsync($"{Subscriptions}/{id}/resend", new { }))
            await ApiKeyTests.ProblemAsync(noSince, HttpStatusCode.BadRequest);
        using (var overlap = await app.Admin.PostAsJsonAsync($"{Subscriptions}/{id}/rotate-secret", new { overlap = "8.00:00:00" }))
            await ApiKeyTests.ProblemAsync(overlap, HttpStatusCode.BadRequest);
        using (var pageSize = await app.Admin.GetAsync($"{Deliveries}?pageSize=1000"))
            await ApiKeyTests.ProblemAsync(pageSize, HttpStatusCode.BadRequest);
        using (var status = await app.Admin.GetAsync($"{Deliveries}?status=lost"))
            await ApiKeyTests.ProblemAsync(status, HttpStatusCode.BadRequest);
        using (var missing = await app.Admin.PostAsJsonAsync($"{Deliveries}/987654/replay", new { }))
            await ApiKeyTests.ProblemAsync(missing, HttpStatusCode.NotFound);
        using (var gone = await app.Admin.PostAsJsonAsync($"{Subscriptions}/987654/pause", new { }))
            await ApiKeyTests.ProblemAsync(gone, HttpStatusCode.NotFound);
        Assert.Equal(1, await app.CountAsync("mall_webhook_subscription"));
        Assert.Equal(0, await app.CountAsync("mall_webhook_delivery"));
        var unchanged = await CatalogApiTests.GetJsonAsync(app.Admin, $"{Subscriptions}/{id}");
        Assert.Equal(receiver.Url, unchanged.GetProperty("url").GetString());

        // Keys: webhooks:manage opens the area, any other scope is a 403 naming it.
        var other = (await app.PostOkAsync("/api/admin/api-keys", new { name = "orders", scopes = new[] { ApiScopes.OrdersRead } })).GetProperty("token").GetString()!;
        using (var key = ApiKeyTests.KeyClient(app, other))
        {
            var problem = await ApiKeyTests.ProblemAsync(await key.GetAsync(Subscriptions), HttpStatusCode.Forbidden);
            Assert.Equal(ApiScopes.WebhooksManage, problem.GetProperty("missingScope").GetString());
        }
        var manage = (await app.PostOkAsync("/api/admin/api-keys", new { name = "hooks", scopes = new[] { ApiScopes.WebhooksManage } })).GetProperty("token").GetString()!;
        using (var key = ApiKeyTests.KeyClient(app, manage))
        {
            Assert.Equal(HttpStatusCode.OK, (await key.GetAsync(Subscriptions)).StatusCode);
            var paused = await ShopperFlowTests.PostOkAsync(key, $"{Subscriptions}/{id}/pause");
            Assert.Equal("paused", paused.GetProperty("status").GetString());
            Assert.Equal(HttpStatusCode.Forbidden, (await key.GetAsync("/api/admin/orders")).StatusCode);
        }
        // The event-type list names the core's types.
        var types = await CatalogApiTests.GetJsonAsync(app.Admin, "/api/admin/webhooks/event-types");
        Assert.Contains(types.EnumerateArray(), t => t.GetProperty("name").GetString() == "order.paid");
    }
}
