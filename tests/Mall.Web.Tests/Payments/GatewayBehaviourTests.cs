using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Mall.Testing;

namespace Mall.Web.Tests.Payments;

/// <summary>
/// The payment plugins against the gateways as they really behave (issue 15): refund notices after a refund, WeChat
/// Pay's certificate rotation, replayed and unsigned error answers, and Alipay's bare base64 keys and error_response.
/// </summary>
public class GatewayBehaviourTests
{
    private const string WeChat = "Mall.Plugins.WeChatPay";
    private const string Alipay = "Mall.Plugins.Alipay";

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Alipay_refund_notices_are_recorded_never_captured_and_a_refund_made_at_Alipay_is_reconciled(string provider)
    {
        await using var gateway = await FakeGatewayProcess.StartAsync();
        await using var app = await MallApp.StartAsync(provider, kestrel: true);
        var k = gateway.Keys;
        // Keys as Alipay's console and key tool hand them out: bare base64, no PEM lines.
        await GatewayPluginTests.InstallAsync(app, Alipay, new
        {
            gatewayUrl = $"{gateway.Url}/gateway.do", appId = k.AlipayAppId,
            appPrivateKey = Convert.ToBase64String(k.AlipayAppKey.ExportPkcs8PrivateKey()), alipayPublicKey = Convert.ToBase64String(k.AlipayKey.ExportSubjectPublicKeyInfo()),
        });
        var (_, sku) = await ShopperFlowTests.PublishedProductAsync(app, stock: 10, price: 66.60m);
        using var shopper = await app.ShopperAsync("13600000011");
        var (orderId, number) = await PaidAsync(app, gateway, shopper, sku, "alipay", "alipay");

        // A partial refund; Alipay then notifies TRADE_SUCCESS with refund_fee, gmt_refund and out_biz_no.
        Assert.Equal(HttpStatusCode.OK, (await GatewayPluginTests.RefundAsync(app, number, 6.60m, "ali-part")).StatusCode);
        var notice = await PostJsonAsync(gateway, $"/fake/alipay/refund-notify/{number}");
        Assert.Equal("success", notice.GetProperty("mallAnswer").GetString());
        Assert.Equal("success", await NotifyTextAsync(app, "alipay", notice.GetProperty("body").GetString()!));   // repeated
        var ledger = await LedgerAsync(app, orderId);
        Assert.Equal("partiallyRefunded", ledger.GetProperty("status").GetString());
        Assert.Equal(["created", "captured", "refunded", "refundConfirmed"], Kinds(ledger));
        Assert.Equal("partiallyRefunded", await GatewayPluginTests.StatusAsync(shopper, orderId));

        // The rest refunded: TRADE_CLOSED with refund_fee is the full refund's notice, not a failed payment.
        Assert.Equal(HttpStatusCode.OK, (await GatewayPluginTests.RefundAsync(app, number, 60.00m, "ali-rest")).StatusCode);
        Assert.Equal("success", (await PostJsonAsync(gateway, $"/fake/alipay/refund-notify/{number}")).GetProperty("mallAnswer").GetString());
        ledger = await LedgerAsync(app, orderId);
        Assert.Equal("refunded", ledger.GetProperty("status").GetString());
        Assert.Equal(["created", "captured", "refunded", "refundConfirmed", "refunded", "refundConfirmed"], Kinds(ledger));
        Assert.Equal("refunded", await GatewayPluginTests.StatusAsync(shopper, orderId));

        // A refund the merchant made in Alipay's console (an out_biz_no Mall never issued): reconciled into the ledger and the order.
        var (second, secondNumber) = await PaidAsync(app, gateway, shopper, sku, "alipay", "alipay");
        Assert.Equal("success", (await PostJsonAsync(gateway, $"/fake/alipay/console-refund/{secondNumber}?amount=10.00")).GetProperty("mallAnswer").GetString());
        ledger = await LedgerAsync(app, second);
        Assert.Equal("partiallyRefunded", ledger.GetProperty("status").GetString());
        var reconciled = ledger.GetProperty("events").EnumerateArray().Last();
        Assert.Equal("refunded", reconciled.GetProperty("kind").GetString());
        Assert.Equal(10.00m, reconciled.GetProperty("amount").GetDecimal());
        Assert.Equal("partiallyRefunded", await GatewayPluginTests.StatusAsync(shopper, second));
        // What is left is what Mall can still refund.
        Assert.Equal(HttpStatusCode.Conflict, (await GatewayPluginTests.RefundAsync(app, secondNumber, 56.61m, "ali-over")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GatewayPluginTests.RefundAsync(app, secondNumber, 56.60m, "ali-left")).StatusCode);
        Assert.Equal("refunded", await GatewayPluginTests.StatusAsync(shopper, second));

        // Alipay's unsigned error_response is reported with its code and sub_msg: a key Alipay does not know signs the refund.
        var (third, thirdNumber) = await PaidAsync(app, gateway, shopper, sku, "alipay", "alipay");
        using (var stranger = RSA.Create(2048))
        using (var put = await app.Admin.PutAsJsonAsync($"/api/admin/plugins/{Alipay}/settings", new { appPrivateKey = stranger.ExportPkcs8PrivateKeyPem() }))
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var refused = await GatewayPluginTests.RefundAsync(app, thirdNumber, 1m, "ali-stranger");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("payment.refund_failed", problem.GetProperty("code").GetString());
        Assert.Contains("40002 isv.invalid-signature 验签出错", problem.GetProperty("detail").GetString());
        Assert.Equal("paid", await GatewayPluginTests.StatusAsync(shopper, third));

        // Settings that cannot work are refused when saved, naming the setting; nothing is saved.
        var bad = await app.Admin.PutAsJsonAsync($"/api/admin/plugins/{Alipay}/settings", new { alipayPublicKey = "MIIB-not-a-key", appPrivateKey = Convert.ToBase64String(k.AlipayKey.ExportSubjectPublicKeyInfo()) });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("alipayPublicKey", out _));
        Assert.True(errors.TryGetProperty("appPrivateKey", out _));
        var saved = await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/plugins/{Alipay}/settings");
        Assert.Equal(Convert.ToBase64String(k.AlipayKey.ExportSubjectPublicKeyInfo()), saved.GetProperty("alipayPublicKey").GetString());
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task WeChat_Pay_refund_notifications_are_handled_and_a_failed_refund_frees_its_amount(string provider)
    {
        await using var gateway = await FakeGatewayProcess.StartAsync();
        await using var app = await MallApp.StartAsync(provider, kestrel: true);
        await InstallWeChatAsync(app, gateway);
        var (_, sku) = await ShopperFlowTests.PublishedProductAsync(app, stock: 10, price: 88.88m);
        using var shopper = await app.ShopperAsync("13600000012");
        var (orderId, number) = await PaidAsync(app, gateway, shopper, sku, "wechatpay", "wechat");

        // REFUND.SUCCESS for Mall's refund: acknowledged (WeChat stops retrying), recorded as a confirmation, once.
        Assert.Equal(HttpStatusCode.OK, (await GatewayPluginTests.RefundAsync(app, number, 8.88m, "wx-part")).StatusCode);
        var success = await PostJsonAsync(gateway, $"/fake/wechat/refund-notify/{number}?status=SUCCESS");
        Assert.Equal(200, success.GetProperty("mallStatus").GetInt32());
        Assert.Contains("SUCCESS", success.GetProperty("mallAnswer").GetString());
        Assert.Equal(200, (await PostJsonAsync(gateway, $"/fake/wechat/refund-notify/{number}?status=SUCCESS")).GetProperty("mallStatus").GetInt32());
        var ledger = await LedgerAsync(app, orderId);
        Assert.Equal(["created", "captured", "refunded", "refundConfirmed", "refundConfirmed"], Kinds(ledger));   // two notifications, two ids
        Assert.Equal("partiallyRefunded", ledger.GetProperty("status").GetString());

        // REFUND.ABNORMAL for the next refund: the money did not go back; its amount is refundable again, once.
        Assert.Equal(HttpStatusCode.OK, (await GatewayPluginTests.RefundAsync(app, number, 80.00m, "wx-rest")).StatusCode);
        Assert.Equal("refunded", (await LedgerAsync(app, orderId)).GetProperty("status").GetString());
        Assert.Equal(200, (await PostJsonAsync(gateway, $"/fake/wechat/refund-notify/{number}?status=ABNORMAL")).GetProperty("mallStatus").GetInt32());
        Assert.Equal(200, (await PostJsonAsync(gateway, $"/fake/wechat/refund-notify/{number}?status=CLOSED")).GetProperty("mallStatus").GetInt32());
        ledger = await LedgerAsync(app, orderId);
        Assert.Equal("partiallyRefunded", ledger.GetProperty("status").GetString());
        Assert.Single(ledger.GetProperty("events").EnumerateArray(), e => e.GetProperty("kind").GetString() == "refundFailed");
        Assert.DoesNotContain("captured", Kinds(ledger).Skip(2));

        // Certificate rotation: WeChat Pay signs with a new certificate. Unknown until configured, then accepted beside the old one.
        var (second, secondNumber) = await StartAsync(app, shopper, sku, "wechatpay");
        await PostJsonAsync(gateway, "/fake/wechat/rotate", expectJson: false);
        var unknown = await PostJsonAsync(gateway, $"/fake/wechat/pay/{secondNumber}");
        Assert.Equal(400, unknown.GetProperty("mallStatus").GetInt32());
        var next = gateway.Keys.NextPlatform;
        using (var put = await app.Admin.PutAsJsonAsync($"/api/admin/plugins/{WeChat}/settings", new { platformCertificates = new Dictionary<string, string> { [next.SerialNo] = next.CertificatePem } }))
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(200, (await PostJsonAsync(gateway, $"/fake/wechat/pay/{secondNumber}")).GetProperty("mallStatus").GetInt32());
        Assert.Equal("paid", await GatewayPluginTests.StatusAsync(shopper, second));

        // A signed answer ten minutes old is a replay: the query is refused and nothing is recorded.
        var (third, thirdNumber) = await StartAsync(app, shopper, sku, "wechatpay");
        await PostJsonAsync(gateway, $"/fake/wechat/pay/{thirdNumber}?deliver=false");
        await PostJsonAsync(gateway, "/fake/wechat/skew?seconds=-600", expectJson: false);
        var stale = await app.Admin.PostAsJsonAsync($"/api/admin/payments/{thirdNumber}/sync", new { });
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Equal("pendingPayment", await GatewayPluginTests.StatusAsync(shopper, third));
        await PostJsonAsync(gateway, "/fake/wechat/skew?seconds=0", expectJson: false);
        Assert.Equal("captured", (await app.PostOkAsync($"/api/admin/payments/{thirdNumber}/sync", new { })).GetProperty("status").GetString());

        // An unsigned error answer (401 SIGN_ERROR) is reported with WeChat's code and message, not as "not signed".
        using (var other = RSA.Create(2048))
        using (var put = await app.Admin.PutAsJsonAsync($"/api/admin/plugins/{WeChat}/settings", new { merchantPrivateKey = other.ExportPkcs8PrivateKeyPem() }))
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var refused = await GatewayPluginTests.RefundAsync(app, thirdNumber, 1m, "wx-stranger");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("401 SIGN_ERROR", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());

        // Settings that cannot work are refused when saved.
        var bad = await app.Admin.PutAsJsonAsync($"/api/admin/plugins/{WeChat}/settings", new { apiV3Key = "short", platformCertificates = new Dictionary<string, string> { ["ABC"] = "not a certificate" } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("apiV3Key", out _));
        Assert.True(errors.TryGetProperty("platformCertificates.ABC", out _));
    }

    private static async Task InstallWeChatAsync(MallApp app, FakeGatewayProcess gateway)
    {
        var k = gateway.Keys;
        await GatewayPluginTests.InstallAsync(app, WeChat, new
        {
            gatewayUrl = gateway.Url, mchId = k.MchId, appId = k.WeChatAppId, merchantSerialNo = k.MerchantSerialNo, merchantPrivateKey = k.MerchantKey.ExportPkcs8PrivateKeyPem(),
            apiV3Key = k.ApiV3Key, platformSerialNo = k.PlatformSerialNo, platformCertificate = k.PlatformCertificatePem,
        });
    }

    private static async Task<(long OrderId, string Number)> StartAsync(MallApp app, HttpClient shopper, long sku, string method)
    {
        var orderId = (await ShopperFlowTests.PostOkAsync(shopper, "/api/v1/orders", new { lines = new[] { new { skuId = sku, quantity = 1 } } })).GetProperty("id").GetInt64();
        var parameters = method == "alipay" ? new Dictionary<string, string> { ["channel"] = "qrcode" } : new Dictionary<string, string>();
        var start = await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{orderId}/payments", new { provider = method, parameters });
        return (orderId, start.GetProperty("paymentNumber").GetString()!);
    }

    private static async Task<(long OrderId, string Number)> PaidAsync(MallApp app, FakeGatewayProcess gateway, HttpClient shopper, long sku, string method, string fake)
    {
        var (orderId, number) = await StartAsync(app, shopper, sku, method);
        var paid = await PostJsonAsync(gateway, $"/fake/{fake}/pay/{number}");
        Assert.Equal(200, paid.GetProperty("mallStatus").GetInt32());
        Assert.Equal("paid", await GatewayPluginTests.StatusAsync(shopper, orderId));
        return (orderId, number);
    }

    private static async Task<JsonElement> PostJsonAsync(FakeGatewayProcess gateway, string url, bool expectJson = true)
    {
        using var response = await gateway.Client.PostAsync(url, null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{url} → {(int)response.StatusCode}: {text}");
        return expectJson ? JsonDocument.Parse(text).RootElement.Clone() : default;
    }

    private static async Task<string> NotifyTextAsync(MallApp app, string provider, string body)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("application/x-www-form-urlencoded; charset=utf-8");
        using var response = await app.Anonymous.PostAsync($"/api/v1/payments/notify/{provider}", content);
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task<JsonElement> LedgerAsync(MallApp app, long orderId) =>
        Assert.Single((await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/orders/{orderId}/payments")).EnumerateArray());

    private static List<string> Kinds(JsonElement payment) =>
        payment.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("kind").GetString()!).ToList();

}
