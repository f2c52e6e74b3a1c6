using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mall.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mall.Web.Tests;

/// <summary>
/// The payment ledger with the sandbox gateway over real HTTP: the order is paid only through a verified, recorded
/// notification; repeats, late, wrong-amount, unsigned and unknown notifications change nothing they must not.
/// </summary>
public class PaymentTests
{
    private const string Secret = "test-sandbox-secret";

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task The_sandbox_pays_an_order_through_the_ledger_and_bad_or_repeated_notifications_change_nothing(string provider)
    {
        await using var app = await MallApp.StartAsync(provider, settings: [new("Mall:Payments:Sandbox:Secret", Secret)], kestrel: true);
        var (_, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 5, price: 12.34m);
        using var shopper = await app.ShopperAsync("13500000001");
        var orderId = await PlaceAsync(shopper, skuId, "pay-1");

        // Start: the sandbox answers a cashier URL; paying there makes the gateway notify the mall over HTTP.
        var start = await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{orderId}/payments", new { provider = "sandbox" });
        var number = start.GetProperty("paymentNumber").GetString()!;
        Assert.Equal("redirect", start.GetProperty("action").GetProperty("kind").GetString());
        var delivery = await PayAtGatewayAsync(app, start, "captured");
        Assert.Equal(200, delivery.GetProperty("mallStatus").GetInt32());
        Assert.Contains("SUCCESS", delivery.GetProperty("mallAnswer").GetString());
        Assert.Equal("paid", await StatusAsync(shopper, orderId));
        var notification = delivery.GetProperty("notification").GetString()!;

        // The same notification ten times at once: accepted every time, recorded and applied once.
        var replays = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => NotifyAsync(app, notification, Sign(notification))));
        Assert.All(replays, r => Assert.Equal(HttpStatusCode.OK, r));
        var ledger = await LedgerAsync(app, orderId);
        Assert.Equal(new[] { "created", "captured" }, ledger.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("kind").GetString()!).ToArray());
        Assert.Equal("captured", ledger.GetProperty("status").GetString());
        var history = (await CatalogApiTests.GetJsonAsync(shopper, $"/api/v1/orders/{orderId}")).GetProperty("history").EnumerateArray().ToList();
        Assert.Single(history, h => h.GetProperty("trigger").GetString() == "pay");

        // Refused and not recorded: a wrong amount, a wrong currency, a bad signature, an unknown payment.
        var wrongAmount = Notification(number, "captured", "12.35", "CNY");
        var wrongCurrency = Notification(number, "captured", "12.34", "USD");
        var unknown = Notification("PAY00000000000000000000", "captured", "12.34", "CNY");
        Assert.Equal(HttpStatusCode.BadRequest, await NotifyAsync(app, wrongAmount, Sign(wrongAmount)));
        Assert.Equal(HttpStatusCode.BadRequest, await NotifyAsync(app, wrongCurrency, Sign(wrongCurrency)));
        Assert.Equal(HttpStatusCode.BadRequest, await NotifyAsync(app, unknown, Sign(unknown)));
        Assert.Equal(HttpStatusCode.BadRequest, await NotifyAsync(app, notification.Replace("12.34", "0.01"), Sign(notification)));
        Assert.Equal(HttpStatusCode.BadRequest, await NotifyAsync(app, notification, "00" + Sign(notification)[2..]));
        Assert.Equal(2, (await LedgerAsync(app, orderId)).GetProperty("events").GetArrayLength());

        // Shipped: another "captured" notification is taken (the gateway stops retrying) but never moves the order back.
        Assert.Equal(HttpStatusCode.OK, (await app.Admin.PostAsJsonAsync($"/api/admin/orders/{orderId}/ship", new { carrier = "SF", trackingNumber = "SF1001" })).StatusCode);
        var another = Notification(number, "captured", "12.34", "CNY");
        Assert.Equal(HttpStatusCode.OK, await NotifyAsync(app, another, Sign(another)));
        Assert.Equal("shipped", await StatusAsync(shopper, orderId));
        Assert.Equal("already captured", (await LedgerAsync(app, orderId)).GetProperty("events")[2].GetProperty("note").GetString());

        // Late: the order was cancelled before the money arrived; the money goes back at once, the order stays cancelled.
        var lateOrder = await PlaceAsync(shopper, skuId, "pay-2");
        var lateStart = await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{lateOrder}/payments", new { provider = "sandbox" });
        Assert.Equal(HttpStatusCode.OK, (await shopper.PostAsJsonAsync($"/api/v1/orders/{lateOrder}/cancel", new { reason = "changed my mind" })).StatusCode);
        var late = await PayAtGatewayAsync(app, lateStart, "captured");
        Assert.Equal(200, late.GetProperty("mallStatus").GetInt32());
        Assert.Equal("cancelled", await StatusAsync(shopper, lateOrder));
        var lateLedger = await LedgerAsync(app, lateOrder);
        var lateEvents = lateLedger.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(["created", "voided", "captured", "refunded"], lateEvents.Select(e => e.GetProperty("kind").GetString()));   // closed at cancel, the late capture, its refund
        Assert.Equal("late: order cancelled", lateEvents[2].GetProperty("note").GetString());
        Assert.Equal(12.34m, lateEvents[3].GetProperty("amount").GetDecimal());
        Assert.Equal("refunded", lateLedger.GetProperty("status").GetString());
        Assert.Equal(4, await ShopperFlowTests.AvailableAsync(app, skuId));
        // The same late notification again: recorded once, refunded once.
        var lateNotification = late.GetProperty("notification").GetString()!;
        Assert.Equal(HttpStatusCode.OK, await NotifyAsync(app, lateNotification, Sign(lateNotification)));
        Assert.Single((await LedgerAsync(app, lateOrder)).GetProperty("events").EnumerateArray(), e => e.GetProperty("kind").GetString() == "refunded");

        // Paid twice (two payments started, both paid): the second is refunded to its own order, which stays paid.
        var twiceOrder = await PlaceAsync(shopper, skuId, "pay-4");
        var firstPay = await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{twiceOrder}/payments", new { provider = "sandbox" });
        var secondPay = await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{twiceOrder}/payments", new { provider = "sandbox" });
        Assert.Equal(200, (await PayAtGatewayAsync(app, firstPay, "captured")).GetProperty("mallStatus").GetInt32());
        Assert.Equal(200, (await PayAtGatewayAsync(app, secondPay, "captured")).GetProperty("mallStatus").GetInt32());
        Assert.Equal("paid", await StatusAsync(shopper, twiceOrder));
        var twice = (await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/orders/{twiceOrder}/payments")).EnumerateArray().ToList();
        Assert.Equal(["captured", "refunded"], twice.Select(p => p.GetProperty("status").GetString()));
        Assert.Equal("late: order paid", twice[1].GetProperty("events").EnumerateArray().Single(e => e.GetProperty("kind").GetString() == "captured").GetProperty("note").GetString());
        Assert.Single((await CatalogApiTests.GetJsonAsync(shopper, $"/api/v1/orders/{twiceOrder}")).GetProperty("history").EnumerateArray(), h => h.GetProperty("trigger").GetString() == "pay");

        // A failed payment leaves the order waiting for another attempt.
        var failedOrder = await PlaceAsync(shopper, skuId, "pay-3");
        var failedStart = await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{failedOrder}/payments", new { provider = "sandbox" });
        Assert.Equal(200, (await PayAtGatewayAsync(app, failedStart, "failed")).GetProperty("mallStatus").GetInt32());
        Assert.Equal("pendingPayment", await StatusAsync(shopper, failedOrder));
        Assert.Equal("failed", (await LedgerAsync(app, failedOrder)).GetProperty("status").GetString());
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Refunds_go_through_the_provider_once_per_key_never_beyond_the_payment_and_the_order_follows(string provider)
    {
        await using var app = await MallApp.StartAsync(provider, settings: [new("Mall:Payments:Sandbox:Secret", Secret)], kestrel: true);
        var (_, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 5, price: 12.34m);
        using var shopper = await app.ShopperAsync("13500000004");
        var orderId = await PlaceAsync(shopper, skuId, "refund-1");
        var start = await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{orderId}/payments", new { provider = "sandbox" });
        var number = start.GetProperty("paymentNumber").GetString()!;
        await PayAtGatewayAsync(app, start, "captured");
        Assert.Equal(HttpStatusCode.OK, (await app.Admin.PostAsJsonAsync($"/api/admin/orders/{orderId}/ship", new { carrier = "SF", trackingNumber = "SF2001" })).StatusCode);

        // Bad requests write nothing.
        Assert.Equal(HttpStatusCode.BadRequest, (await RefundAsync(app, number, 1m, key: null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await RefundAsync(app, number, -1m, "bad-1")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await RefundAsync(app, number, 0.001m, "bad-2")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await RefundAsync(app, "PAY404", 1m, "bad-3")).StatusCode);
        var over = await RefundAsync(app, number, 12.35m, "bad-4");
        Assert.Equal(HttpStatusCode.Conflict, over.StatusCode);
        Assert.Equal("payment.refund_exceeds", (await over.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());

        // A partial refund, its key replayed ten times at once: one refund.
        var partials = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => RefundAsync(app, number, 2.34m, "part-1")));
        Assert.All(partials, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var ledger = await LedgerAsync(app, orderId);
        Assert.Equal("partiallyRefunded", ledger.GetProperty("status").GetString());
        Assert.Single(ledger.GetProperty("events").EnumerateArray(), e => e.GetProperty("kind").GetString() == "refunded");
        Assert.Equal("partiallyRefunded", await StatusAsync(shopper, orderId));

        // More than is left is refused; the rest is refunded and the order follows; nothing is left after.
        Assert.Equal(HttpStatusCode.Conflict, (await RefundAsync(app, number, 10.01m, "part-2")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await RefundAsync(app, number, 10.00m, "part-3")).StatusCode);
        ledger = await LedgerAsync(app, orderId);
        Assert.Equal("refunded", ledger.GetProperty("status").GetString());
        Assert.Equal(12.34m, ledger.GetProperty("events").EnumerateArray().Where(e => e.GetProperty("kind").GetString() == "refunded").Sum(e => e.GetProperty("amount").GetDecimal()));
        Assert.Equal("refunded", await StatusAsync(shopper, orderId));
        var spent = await RefundAsync(app, number, 0.01m, "part-4");
        Assert.Equal("payment.not_refundable", (await spent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        var history = (await CatalogApiTests.GetJsonAsync(shopper, $"/api/v1/orders/{orderId}")).GetProperty("history").EnumerateArray()
            .Select(h => h.GetProperty("trigger").GetString()).ToList();
        Assert.Equal(["place", "pay", "ship", "requestRefund", "refundPartially", "refund"], history);

        // A payment that arrived after its order was cancelled is refunded by the ledger itself; the order stays
        // cancelled, and nothing is left for an admin to refund.
        var lateOrder = await PlaceAsync(shopper, skuId, "refund-2");
        var lateStart = await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{lateOrder}/payments", new { provider = "sandbox" });
        Assert.Equal(HttpStatusCode.OK, (await shopper.PostAsJsonAsync($"/api/v1/orders/{lateOrder}/cancel", new { reason = "no" })).StatusCode);
        await PayAtGatewayAsync(app, lateStart, "captured");
        Assert.Equal("refunded", (await LedgerAsync(app, lateOrder)).GetProperty("status").GetString());
        Assert.Equal("cancelled", await StatusAsync(shopper, lateOrder));
        var again = await RefundAsync(app, lateStart.GetProperty("paymentNumber").GetString()!, 12.34m, "late-1");
        Assert.Equal("payment.not_refundable", (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task The_balance_pays_at_once_through_the_customer_ledger_and_refunds_back_to_it(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        var (_, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 5, price: 12.34m);
        using var shopper = await app.ShopperAsync("13500000005");
        var customerId = (await CatalogApiTests.GetJsonAsync(shopper, "/api/v1/me")).GetProperty("id").GetInt64();
        await app.PostOkAsync($"/api/admin/customers/{customerId}/assets", new { asset = "balance", delta = 20m, reason = "top-up", reference = "topup-1" });
        async Task<decimal> BalanceAsync() => (await CatalogApiTests.GetJsonAsync(shopper, "/api/v1/me")).GetProperty("balance").GetDecimal();

        var orderId = await PlaceAsync(shopper, skuId, "balance-1");
        var start = await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{orderId}/payments", new { provider = "balance" });
        Assert.Equal("completed", start.GetProperty("action").GetProperty("kind").GetString());
        Assert.Equal("paid", await StatusAsync(shopper, orderId));
        Assert.Equal(7.66m, await BalanceAsync());

        // Not enough left: refused, nothing changes.
        var second = await PlaceAsync(shopper, skuId, "balance-2");
        var short_ = await shopper.PostAsJsonAsync($"/api/v1/orders/{second}/payments", new { provider = "balance" });
        Assert.Equal(HttpStatusCode.Conflict, short_.StatusCode);
        Assert.Equal("customer.insufficient_balance", (await short_.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal("pendingPayment", await StatusAsync(shopper, second));
        Assert.Equal(7.66m, await BalanceAsync());

        // Refunded back to the balance, once for the key.
        var number = start.GetProperty("paymentNumber").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await RefundAsync(app, number, 12.34m, "balance-refund")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await RefundAsync(app, number, 12.34m, "balance-refund")).StatusCode);
        Assert.Equal(20m, await BalanceAsync());
        Assert.Equal("refunded", await StatusAsync(shopper, orderId));
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task A_late_payment_whose_refund_the_provider_refused_is_refunded_once_by_the_late_refund_job(string provider)
    {
        var gateway = new RefusingGateway();
        await using var app = await MallApp.StartAsync(provider, services => services.AddSingleton<Mall.Payments.IPaymentProvider>(gateway),
            [new("Mall:Payments:LateRefundInterval", "00:00:01")]);
        var (_, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 5, price: 8.80m);
        using var shopper = await app.ShopperAsync("13500000011");
        var orderId = await PlaceAsync(shopper, skuId, "late-retry-1");
        var number = (await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{orderId}/payments", new { provider = RefusingGateway.Id })).GetProperty("paymentNumber").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await shopper.PostAsJsonAsync($"/api/v1/orders/{orderId}/cancel", new { reason = "changed my mind" })).StatusCode);

        // The gateway says it was paid after all (the ledger asks it), and refuses the refund for now.
        gateway.Paid = true;
        Assert.Equal("captured", (await app.PostOkAsync($"/api/admin/payments/{number}/sync", new { })).GetProperty("status").GetString());
        var ledger = await LedgerAsync(app, orderId);
        Assert.Contains(ledger.GetProperty("events").EnumerateArray(), e => e.GetProperty("kind").GetString() == "refundFailed");
        Assert.Equal(0, gateway.Refunded);

        // Once the gateway refunds again, the job refunds it: once, in full, the order still cancelled.
        gateway.Refuse = false;
        await Marketing.FlashSaleTests.WithinAsync(TimeSpan.FromSeconds(20), async () => (await LedgerAsync(app, orderId)).GetProperty("status").GetString() == "refunded", "the late-refund job did not refund");
        await Task.Delay(2500);   // two more ticks: nothing more is refunded
        Assert.Equal(1, gateway.Refunded);
        var events = (await LedgerAsync(app, orderId)).GetProperty("events").EnumerateArray().ToList();
        decimal Sum(string kind) => events.Where(e => e.GetProperty("kind").GetString() == kind).Sum(e => e.GetProperty("amount").GetDecimal());
        Assert.Equal(8.80m, Sum("refunded") - Sum("refundFailed"));
        Assert.Equal("cancelled", await StatusAsync(shopper, orderId));
    }

    /// <summary>A gateway that reports a capture when asked and refuses refunds until told otherwise.</summary>
    private sealed class RefusingGateway : Mall.Payments.IPaymentProvider
    {
        public const string Id = "refusing";
        private int _refunded;
        public volatile bool Paid;
        public volatile bool Refuse = true;
        public int Refunded => Volatile.Read(ref _refunded);
        public string Name => Id;
        public Mall.Payments.PaymentCapabilities Capabilities => Mall.Payments.PaymentCapabilities.Refund | Mall.Payments.PaymentCapabilities.Query;

        public Task<Mall.Payments.PaymentAction> CreateAsync(Mall.Payments.PaymentRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(new Mall.Payments.PaymentAction(Mall.Payments.PaymentActionKind.Redirect, "https://gateway.invalid/pay"));

        public Task<Mall.Payments.PaymentNotification?> VerifyNotificationAsync(Mall.Payments.ProviderNotification notification, CancellationToken cancellationToken) =>
            Task.FromResult<Mall.Payments.PaymentNotification?>(null);

        public Mall.Payments.NotificationAnswer Answer(bool accepted, string message) => new(accepted ? 200 : 400, "text/plain", message);

        public Task<Mall.Payments.PaymentNotification?> QueryAsync(Mall.Payments.PaymentQuery query, CancellationToken cancellationToken) =>
            Task.FromResult(Paid ? new Mall.Payments.PaymentNotification("", query.PaymentNumber, Mall.Payments.PaymentEventKind.Captured, query.Amount, query.Currency, "RG" + query.PaymentNumber) : null);

        public Task<Mall.Payments.ProviderRefundResult> RefundAsync(Mall.Payments.ProviderRefundRequest request, CancellationToken cancellationToken)
        {
            if (Refuse) return Task.FromResult(new Mall.Payments.ProviderRefundResult(false, null, "the gateway is closed for refunds"));
            Interlocked.Increment(ref _refunded);
            return Task.FromResult(new Mall.Payments.ProviderRefundResult(true, "RGR" + request.RefundNumber, null));
        }
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task A_payment_timeout_closes_the_unpaid_payment_in_the_ledger_and_a_later_capture_is_recorded_as_late(string provider)
    {
        await using var app = await MallApp.StartAsync(provider, settings: [new("Mall:Payments:Sandbox:Secret", Secret), new("Mall:Ordering:PaymentTimeout", "00:00:01")], kestrel: true);
        var (_, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 5, price: 3m);
        using var shopper = await app.ShopperAsync("13500000006");
        var orderId = await PlaceAsync(shopper, skuId, "timeout-1");
        var start = await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{orderId}/payments", new { provider = "sandbox" });

        var until = DateTime.UtcNow.AddSeconds(30);
        while (await StatusAsync(shopper, orderId) != "cancelled")
        {
            Assert.True(DateTime.UtcNow < until, "The payment timeout did not cancel the order.");
            await Task.Delay(200);
        }
        JsonElement ledger;
        do
        {
            Assert.True(DateTime.UtcNow < until, "The unpaid payment was not closed.");
            await Task.Delay(100);
            ledger = await LedgerAsync(app, orderId);
        }
        while (ledger.GetProperty("status").GetString() != "closed");
        Assert.Equal("voided", ledger.GetProperty("events")[1].GetProperty("kind").GetString());

        // The money arrives anyway: recorded as late and refunded, the order stays cancelled and its stock released once.
        Assert.Equal(200, (await PayAtGatewayAsync(app, start, "captured")).GetProperty("mallStatus").GetInt32());
        ledger = await LedgerAsync(app, orderId);
        Assert.Equal("refunded", ledger.GetProperty("status").GetString());
        Assert.Equal("late: order cancelled", ledger.GetProperty("events")[2].GetProperty("note").GetString());
        Assert.Equal("cancelled", await StatusAsync(shopper, orderId));
        Assert.Equal(5, await ShopperFlowTests.AvailableAsync(app, skuId));
    }

    private static async Task<HttpResponseMessage> RefundAsync(MallApp app, string number, decimal amount, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/admin/payments/{number}/refunds") { Content = JsonContent.Create(new { amount, reason = "test refund" }) };
        if (key is not null) request.Headers.Add("Idempotency-Key", key);
        return await app.Admin.SendAsync(request);
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Payments_are_refused_for_other_shoppers_orders_closed_orders_and_unknown_methods(string provider)
    {
        await using var app = await MallApp.StartAsync(provider, settings: [new("Mall:Payments:Sandbox:Secret", Secret)]);
        var (_, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 5, price: 1m);
        using var alice = await app.ShopperAsync("13500000002");
        using var mallory = await app.ShopperAsync("13500000003");
        var orderId = await PlaceAsync(alice, skuId, "pay-4");

        Assert.Equal(HttpStatusCode.NotFound, (await mallory.PostAsJsonAsync($"/api/v1/orders/{orderId}/payments", new { provider = "sandbox" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await alice.PostAsJsonAsync($"/api/v1/orders/{orderId}/payments", new { provider = "no-such-method" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await alice.PostAsJsonAsync($"/api/v1/orders/{orderId}/payments", new { provider = "" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Anonymous.PostAsJsonAsync($"/api/v1/orders/{orderId}/payments", new { provider = "sandbox" })).StatusCode);
        Assert.Equal(0, await app.CountAsync("mall_payment"));
        Assert.Equal(HttpStatusCode.OK, (await alice.PostAsJsonAsync($"/api/v1/orders/{orderId}/cancel", new { reason = "no" })).StatusCode);
        var closed = await alice.PostAsJsonAsync($"/api/v1/orders/{orderId}/payments", new { provider = "sandbox" });
        Assert.Equal(HttpStatusCode.Conflict, closed.StatusCode);
        Assert.Equal("payment.order_not_payable", (await closed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(0, await app.CountAsync("mall_payment"));
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Notifications_without_an_event_id_pay_their_own_payment_and_are_never_taken_for_another_payments_repeat(string provider)
    {
        await using var app = await MallApp.StartAsync(provider, settings: [new("Mall:Payments:Sandbox:Secret", Secret)]);
        var (_, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 9, price: 12.34m);
        using var shopper = await app.ShopperAsync("13500000007");

        // Two payments, each notified with an empty, a missing, a blank or a null event id: each pays its own order.
        foreach (var eventId in new object?[] { "", null, "   " })
        {
            var orders = new List<long>();
            for (var i = 0; i < 2; i++)
            {
                var orderId = await PlaceAsync(shopper, skuId, $"no-id-{eventId?.ToString()?.Length ?? -1}-{i}");
                var number = (await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{orderId}/payments", new { provider = "sandbox" })).GetProperty("paymentNumber").GetString()!;
                var body = JsonSerializer.Serialize(new { eventId, paymentNumber = number, status = "captured", amount = "12.34", currency = "CNY", transactionId = $"SBX-{i}" }, JsonSerializerOptions.Web);
                Assert.Equal(HttpStatusCode.OK, await NotifyAsync(app, body, Sign(body)));
                // The same notification again is a repeat of itself: recorded once.
                Assert.Equal(HttpStatusCode.OK, await NotifyAsync(app, body, Sign(body)));
                orders.Add(orderId);
            }
            foreach (var orderId in orders)
            {
                Assert.Equal("paid", await StatusAsync(shopper, orderId));
                var ledger = await LedgerAsync(app, orderId);
                Assert.Equal("captured", ledger.GetProperty("status").GetString());
                Assert.Single(ledger.GetProperty("events").EnumerateArray(), e => e.GetProperty("kind").GetString() == "captured");
            }
        }
        // Without the field at all, too.
        var last = await PlaceAsync(shopper, skuId, "no-id-field");
        var lastNumber = (await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{last}/payments", new { provider = "sandbox" })).GetProperty("paymentNumber").GetString()!;
        var noField = JsonSerializer.Serialize(new { paymentNumber = lastNumber, status = "captured", amount = "12.34", currency = "CNY", transactionId = "SBX-x" }, JsonSerializerOptions.Web);
        Assert.Equal(HttpStatusCode.OK, await NotifyAsync(app, noField, Sign(noField)));
        Assert.Equal("paid", await StatusAsync(shopper, last));

        // Signed, but not a notification Mall can act on: refused (the gateway retries), nothing recorded.
        var other = await PlaceAsync(shopper, skuId, "no-id-bad");
        var otherNumber = (await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{other}/payments", new { provider = "sandbox" })).GetProperty("paymentNumber").GetString()!;
        foreach (var bad in new[]
        {
            JsonSerializer.Serialize(new { eventId = "e1", paymentNumber = otherNumber, status = "refunded-maybe", amount = "12.34", currency = "CNY", transactionId = "t" }, JsonSerializerOptions.Web),
            JsonSerializer.Serialize(new { eventId = "e2", paymentNumber = "", status = "captured", amount = "12.34", currency = "CNY", transactionId = "t" }, JsonSerializerOptions.Web),
            JsonSerializer.Serialize(new { eventId = "e3", paymentNumber = otherNumber, status = "captured", amount = "12.340001", currency = "CNY", transactionId = "t" }, JsonSerializerOptions.Web),
            JsonSerializer.Serialize(new { eventId = "e4", paymentNumber = otherNumber, status = "captured", amount = "12.34", currency = "", transactionId = "t" }, JsonSerializerOptions.Web),
            JsonSerializer.Serialize(new { eventId = "e5", paymentNumber = otherNumber, status = "captured", amount = "12.34", currency = "CNY", transactionId = new string('x', 101) }, JsonSerializerOptions.Web),
            JsonSerializer.Serialize(new { eventId = "e6", paymentNumber = otherNumber, status = "captured", currency = "CNY", transactionId = "t" }, JsonSerializerOptions.Web),
        })
            Assert.Equal(HttpStatusCode.BadRequest, await NotifyAsync(app, bad, Sign(bad)));
        Assert.Equal("pendingPayment", await StatusAsync(shopper, other));
        Assert.Single((await LedgerAsync(app, other)).GetProperty("events").EnumerateArray());   // created only
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task A_capture_notice_after_a_refund_never_re_opens_the_payment_or_the_order(string provider)
    {
        await using var app = await MallApp.StartAsync(provider, settings: [new("Mall:Payments:Sandbox:Secret", Secret)], kestrel: true);
        var (_, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 5, price: 12.34m);
        using var shopper = await app.ShopperAsync("13500000008");
        foreach (var (refund, status) in new[] { (2.34m, "partiallyRefunded"), (12.34m, "refunded") })
        {
            var orderId = await PlaceAsync(shopper, skuId, $"reopen-{refund}");
            var start = await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{orderId}/payments", new { provider = "sandbox" });
            var number = start.GetProperty("paymentNumber").GetString()!;
            await PayAtGatewayAsync(app, start, "captured");
            Assert.Equal(HttpStatusCode.OK, (await RefundAsync(app, number, refund, $"reopen-{refund}")).StatusCode);

            // The gateway sends another "captured" (Alipay does so after a partial refund): taken, recorded, nothing moves.
            var again = Notification(number, "captured", "12.34", "CNY");
            Assert.Equal(HttpStatusCode.OK, await NotifyAsync(app, again, Sign(again)));
            var ledger = await LedgerAsync(app, orderId);
            Assert.Equal(status, ledger.GetProperty("status").GetString());
            Assert.Equal(status, await StatusAsync(shopper, orderId));
            var events = ledger.GetProperty("events").EnumerateArray().ToList();
            Assert.Equal(["created", "captured", "refunded", "captured"], events.Select(e => e.GetProperty("kind").GetString()));
            Assert.Equal($"already captured (payment {status.ToLowerInvariant()})", events[^1].GetProperty("note").GetString());
            // And the amount left to refund is what it was.
            var left = 12.34m - refund;
            if (left > 0) Assert.Equal(HttpStatusCode.Conflict, (await RefundAsync(app, number, left + 0.01m, $"reopen-more-{refund}")).StatusCode);
        }
    }

    [Fact]
    public async Task Payment_urls_come_from_the_configured_public_address_never_from_the_request_Host_header()
    {
        var provider = TestDatabase.Providers[0];
        // Not configured: the server's own address, whatever the request claims to be.
        await using (var app = await MallApp.StartAsync(provider, settings: [new("Mall:Payments:Sandbox:Secret", Secret)], kestrel: true))
        {
            var (_, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 5, price: 1m);
            using var shopper = await app.ShopperAsync("13500000009");
            var url = await StartWithHostAsync(shopper, await PlaceAsync(shopper, skuId, "host-1"), "attacker.invalid");
            Assert.DoesNotContain("attacker.invalid", url);
            Assert.StartsWith(shopper.BaseAddress!.GetLeftPart(UriPartial.Authority).Replace("localhost", "127.0.0.1"), url.Replace("localhost", "127.0.0.1"));
            // The notify URL inside the cashier URL too: paying there reaches this mall.
            Assert.Equal(200, (await PayAtGatewayAsync(app, JsonSerializer.SerializeToElement(new { action = new { url } }), "captured")).GetProperty("mallStatus").GetInt32());
        }
        // Configured: that address, for the cashier and for the notification URL the gateway is given.
        await using (var app = await MallApp.StartAsync(provider, settings: [new("Mall:Payments:Sandbox:Secret", Secret), new("Mall:PublicBaseUrl", "https://shop.example.test/")], kestrel: true))
        {
            var (_, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 5, price: 1m);
            using var shopper = await app.ShopperAsync("13500000010");
            var url = await StartWithHostAsync(shopper, await PlaceAsync(shopper, skuId, "host-2"), "attacker.invalid");
            Assert.StartsWith("https://shop.example.test/api/sandbox/pay/", url);
            Assert.Contains(Uri.EscapeDataString("https://shop.example.test/api/v1/payments/notify/sandbox"), url);
            Assert.DoesNotContain("attacker", url);
        }
        // A value that cannot be a base URL stops start-up, naming the setting.
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => MallApp.StartAsync(provider, settings: [new("Mall:PublicBaseUrl", "shop.example.test/path?x=1")]));
        Assert.Contains("Mall:PublicBaseUrl", refused.ToString());
        // AllowedHosts lists the hosts: host filtering refuses any other, and a listed one is used.
        await using (var app = await MallApp.StartAsync(provider, settings: [new("Mall:Payments:Sandbox:Secret", Secret), new("AllowedHosts", "shop.example.test;127.0.0.1;localhost")], kestrel: true))
        {
            var (_, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 5, price: 1m);
            using var shopper = await app.ShopperAsync("13500000011");
            var orderId = await PlaceAsync(shopper, skuId, "host-3");
            using (var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/orders/{orderId}/payments") { Content = JsonContent.Create(new { provider = "sandbox" }) })
            {
                request.Headers.Host = "attacker.invalid";
                Assert.Equal(HttpStatusCode.BadRequest, (await shopper.SendAsync(request)).StatusCode);
            }
            Assert.StartsWith("http://shop.example.test/api/sandbox/pay/", await StartWithHostAsync(shopper, orderId, "shop.example.test"));
        }
    }

    private static async Task<string> StartWithHostAsync(HttpClient shopper, long orderId, string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/orders/{orderId}/payments") { Content = JsonContent.Create(new { provider = "sandbox" }) };
        request.Headers.Host = host;
        using var response = await shopper.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("action").GetProperty("url").GetString()!;
    }

    private static async Task<long> PlaceAsync(HttpClient shopper, long skuId, string key)
    {
        using var request = ShopperFlowTests.OrderRequest(skuId, 1, key);
        var response = await shopper.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
    }

    private static async Task<JsonElement> PayAtGatewayAsync(MallApp app, JsonElement start, string outcome)
    {
        var url = start.GetProperty("action").GetProperty("url").GetString()!;
        var response = await app.Anonymous.PostAsync($"{url}&outcome={outcome}", null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"gateway answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<HttpStatusCode> NotifyAsync(MallApp app, string body, string signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments/notify/sandbox") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Sandbox-Signature", signature);
        using var response = await app.Anonymous.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task<JsonElement> LedgerAsync(MallApp app, long orderId) =>
        Assert.Single((await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/orders/{orderId}/payments")).EnumerateArray());

    private static async Task<string?> StatusAsync(HttpClient shopper, long orderId) =>
        (await CatalogApiTests.GetJsonAsync(shopper, $"/api/v1/orders/{orderId}")).GetProperty("status").GetString();

    private static string Notification(string number, string status, string amount, string currency) =>
        JsonSerializer.Serialize(new { eventId = $"TEST{Guid.NewGuid():N}", paymentNumber = number, status, amount, currency, transactionId = "SBXTEST" }, JsonSerializerOptions.Web);

    private static string Sign(string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(body)));
}
