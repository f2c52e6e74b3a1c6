using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mall.Testing;
using Mall.Web.Tests.Plugins;

namespace Mall.Web.Tests.Payments;

/// <summary>
/// The WeChat Pay and Alipay plugins, hot-installed into a running mall, against the local gateways in their own
/// process: full flows, 50 concurrent copies of a notification, forged and wrong-amount notifications, refund replays.
/// </summary>
public class GatewayPluginTests
{
    private const string WeChat = "Mall.Plugins.WeChatPay";
    private const string Alipay = "Mall.Plugins.Alipay";

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task WeChat_Pay_v3_signs_requests_verifies_and_decrypts_notifications_and_refunds_once(string provider)
    {
        await using var gateway = await FakeGatewayProcess.StartAsync();
        await using var app = await MallApp.StartAsync(provider, kestrel: true);
        var k = gateway.Keys;
        await InstallAsync(app, WeChat, new
        {
            gatewayUrl = gateway.Url, mchId = k.MchId, appId = k.WeChatAppId, merchantSerialNo = k.MerchantSerialNo, merchantPrivateKey = k.MerchantKey.ExportPkcs8PrivateKeyPem(),
            apiV3Key = k.ApiV3Key, platformSerialNo = k.PlatformSerialNo, platformCertificate = k.PlatformCertificatePem,
        });
        var (_, sku) = await ShopperFlowTests.PublishedProductAsync(app, stock: 10, price: 88.88m);
        using var shopper = await app.ShopperAsync("13600000001");

        // Mini-program / JSAPI: the gateway accepted the signed request; the pay parameters are signed with the merchant key.
        var orderId = await OrderAsync(shopper, sku);
        var missingOpenId = await shopper.PostAsJsonAsync($"/api/v1/orders/{orderId}/payments", new { provider = "wechatpay", parameters = new { channel = "jsapi" } });
        Assert.Equal(HttpStatusCode.BadRequest, missingOpenId.StatusCode);
        var start = await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{orderId}/payments",
            new { provider = "wechatpay", parameters = new { channel = "jsapi", openid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" } });
        var number = start.GetProperty("paymentNumber").GetString()!;
        var action = start.GetProperty("action");
        Assert.Equal("clientParameters", action.GetProperty("kind").GetString());
        var p = action.GetProperty("parameters");
        Assert.Equal($"prepay_id=wx{number}", p.GetProperty("package").GetString());
        Assert.Equal("RSA", p.GetProperty("signType").GetString());
        var signed = $"{k.WeChatAppId}\n{p.GetProperty("timeStamp").GetString()}\n{p.GetProperty("nonceStr").GetString()}\n{p.GetProperty("package").GetString()}\n";
        Assert.True(k.MerchantKey.VerifyData(Encoding.UTF8.GetBytes(signed), Convert.FromBase64String(p.GetProperty("paySign").GetString()!), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

        // A wrong amount is refused (the protocol's FAIL answer) and changes nothing.
        var wrong = await PayAsync(gateway, $"/fake/wechat/pay/{number}?amount=1");
        Assert.Equal(400, wrong.GetProperty("mallStatus").GetInt32());
        Assert.Contains("FAIL", wrong.GetProperty("mallAnswer").GetString());
        Assert.Equal("pendingPayment", await StatusAsync(shopper, orderId));

        // The shopper pays: the encrypted, signed notification pays the order.
        var paid = await PayAsync(gateway, $"/fake/wechat/pay/{number}");
        Assert.Equal(200, paid.GetProperty("mallStatus").GetInt32());
        Assert.Equal("paid", await StatusAsync(shopper, orderId));
        var headers = paid.GetProperty("headers").EnumerateObject().ToDictionary(h => h.Name, h => h.Value.GetString()!);
        var body = paid.GetProperty("body").GetString()!;

        // 50 concurrent copies: all answered as taken, one state change.
        var copies = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => NotifyAsync(app, "wechatpay", headers, body, "application/json")));
        Assert.All(copies, c => Assert.Equal(HttpStatusCode.OK, c));
        Assert.Single(await EventsAsync(app, orderId), e => e == "captured");
        Assert.Single((await CatalogApiTests.GetJsonAsync(shopper, $"/api/v1/orders/{orderId}")).GetProperty("history").EnumerateArray(), h => h.GetProperty("trigger").GetString() == "pay");

        // Forged: a changed body, another serial, a resource sealed with another key (signed properly), a stale timestamp.
        var forged = new[]
        {
            (headers, body.Replace("TRANSACTION.SUCCESS", "TRANSACTION.SUCCESS "), "changed body"),
            (With(headers, "Wechatpay-Serial", "0000"), body, "other serial"),
            (Signed(k, ResealedBody(body, "another-api-v3-key-0123456789abc")), ResealedBody(body, "another-api-v3-key-0123456789abc"), "wrong key"),
            (Signed(k, body, DateTimeOffset.UtcNow.AddMinutes(-10)), body, "stale"),
        };
        var before = (await EventsAsync(app, orderId)).Count;
        foreach (var (h, b, what) in forged)
            Assert.True(await NotifyAsync(app, "wechatpay", h, b, "application/json") == HttpStatusCode.BadRequest, what);
        Assert.Equal(before, (await EventsAsync(app, orderId)).Count);

        // Refund at the gateway, once per key.
        Assert.Equal(HttpStatusCode.OK, (await RefundAsync(app, number, 8.88m, "wx-r1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await RefundAsync(app, number, 8.88m, "wx-r1")).StatusCode);
        var trade = await CatalogApiTests.GetJsonAsync(gateway.Client, $"/fake/wechat/trades/{number}");
        Assert.Equal(888, trade.GetProperty("refunded").GetInt64());
        Assert.Equal(1, trade.GetProperty("refundCount").GetInt32());
        Assert.Equal("partiallyRefunded", await StatusAsync(shopper, orderId));

        // Native: a QR code to scan.
        var second = await OrderAsync(shopper, sku);
        var qr = await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{second}/payments", new { provider = "wechatpay" });
        Assert.Equal("qrCode", qr.GetProperty("action").GetProperty("kind").GetString());
        Assert.StartsWith("weixin://wxpay/bizpayurl?pr=", qr.GetProperty("action").GetProperty("qrCode").GetString());
        // Its notification is lost: asking WeChat Pay (an order query) records the capture through the ledger, once.
        var qrNumber = qr.GetProperty("paymentNumber").GetString()!;
        Assert.Equal("created", (await app.PostOkAsync($"/api/admin/payments/{qrNumber}/sync", new { })).GetProperty("status").GetString());   // NOTPAY: nothing yet
        await PayAsync(gateway, $"/fake/wechat/pay/{qrNumber}?deliver=false");
        Assert.Equal("pendingPayment", await StatusAsync(shopper, second));
        Assert.Equal("captured", (await app.PostOkAsync($"/api/admin/payments/{qrNumber}/sync", new { })).GetProperty("status").GetString());
        Assert.Equal("captured", (await app.PostOkAsync($"/api/admin/payments/{qrNumber}/sync", new { })).GetProperty("status").GetString());
        Assert.Equal("paid", await StatusAsync(shopper, second));
        Assert.Single(await EventsAsync(app, second), e => e == "captured");
        var third = await OrderAsync(shopper, sku);

        // A merchant key the gateway does not know: the gateway refuses the signature, the shopper gets a clear 409.
        using (var other = RSA.Create(2048))
        using (var put = await app.Admin.PutAsJsonAsync($"/api/admin/plugins/{WeChat}/settings", new { merchantPrivateKey = other.ExportPkcs8PrivateKeyPem() }))
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var refused = await shopper.PostAsJsonAsync($"/api/v1/orders/{third}/payments", new { provider = "wechatpay" });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("payment.provider_failed", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Alipay_signs_requests_with_RSA2_verifies_answers_and_notifications_and_refunds_once(string provider)
    {
        await using var gateway = await FakeGatewayProcess.StartAsync();
        await using var app = await MallApp.StartAsync(provider, kestrel: true);
        var k = gateway.Keys;
        await InstallAsync(app, Alipay, new
        {
            gatewayUrl = $"{gateway.Url}/gateway.do", appId = k.AlipayAppId, appPrivateKey = k.AlipayAppKey.ExportPkcs8PrivateKeyPem(), alipayPublicKey = k.AlipayKey.ExportSubjectPublicKeyInfoPem(),
        });
        var (_, sku) = await ShopperFlowTests.PublishedProductAsync(app, stock: 10, price: 66.60m);
        using var shopper = await app.ShopperAsync("13600000002");

        // Computer website: a signed cashier URL the gateway accepts.
        var orderId = await OrderAsync(shopper, sku);
        var start = await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{orderId}/payments", new { provider = "alipay" });
        var number = start.GetProperty("paymentNumber").GetString()!;
        Assert.Equal("redirect", start.GetProperty("action").GetProperty("kind").GetString());
        var cashierUrl = start.GetProperty("action").GetProperty("url").GetString()!;
        using (var cashier = await gateway.Client.GetAsync(cashierUrl))
            Assert.Equal(HttpStatusCode.OK, cashier.StatusCode);
        using (var tampered = await gateway.Client.GetAsync(cashierUrl.Replace("66.60", "0.01")))
            Assert.Equal(HttpStatusCode.BadRequest, tampered.StatusCode);

        // A wrong amount (signed by Alipay, but not what was asked) is refused and changes nothing.
        var wrong = await PayAsync(gateway, $"/fake/alipay/pay/{number}?amount=0.01");
        Assert.Equal("failure", wrong.GetProperty("mallAnswer").GetString());
        Assert.Equal("pendingPayment", await StatusAsync(shopper, orderId));

        var paid = await PayAsync(gateway, $"/fake/alipay/pay/{number}");
        Assert.Equal("success", paid.GetProperty("mallAnswer").GetString());
        Assert.Equal("paid", await StatusAsync(shopper, orderId));
        var body = paid.GetProperty("body").GetString()!;
        var form = "application/x-www-form-urlencoded; charset=utf-8";

        var copies = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => NotifyTextAsync(app, "alipay", body, form)));
        Assert.All(copies, c => Assert.Equal("success", c));
        Assert.Single(await EventsAsync(app, orderId), e => e == "captured");

        // Forged: a changed field without Alipay's signature, a missing signature, a notification for another app.
        var before = (await EventsAsync(app, orderId)).Count;
        Assert.Equal("failure", await NotifyTextAsync(app, "alipay", body.Replace("notify_id=", "notify_id=x"), form));
        Assert.Equal("failure", await NotifyTextAsync(app, "alipay", string.Join('&', body.Split('&').Where(f => !f.StartsWith("sign=", StringComparison.Ordinal))), form));
        Assert.Equal("failure", await NotifyTextAsync(app, "alipay", "app_id=1&out_trade_no=" + number, form));
        Assert.Equal(before, (await EventsAsync(app, orderId)).Count);

        Assert.Equal(HttpStatusCode.OK, (await RefundAsync(app, number, 66.60m, "ali-r1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await RefundAsync(app, number, 66.60m, "ali-r1")).StatusCode);
        var trade = await CatalogApiTests.GetJsonAsync(gateway.Client, $"/fake/alipay/trades/{number}");
        Assert.Equal(66.60m, trade.GetProperty("refunded").GetDecimal());
        Assert.Equal(1, trade.GetProperty("refundCount").GetInt32());
        Assert.Equal("refunded", await StatusAsync(shopper, orderId));

        // QR code (precreate): the gateway's signed answer is verified.
        var second = await OrderAsync(shopper, sku);
        var qr = await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{second}/payments", new { provider = "alipay", parameters = new { channel = "qrcode" } });
        Assert.StartsWith("https://qr.alipay.com/bax", qr.GetProperty("action").GetProperty("qrCode").GetString());
        // A lost notification is recovered by asking Alipay (alipay.trade.query), once.
        var qrNumber = qr.GetProperty("paymentNumber").GetString()!;
        Assert.Equal("created", (await app.PostOkAsync($"/api/admin/payments/{qrNumber}/sync", new { })).GetProperty("status").GetString());   // WAIT_BUYER_PAY
        await PayAsync(gateway, $"/fake/alipay/pay/{qrNumber}?deliver=false");
        Assert.Equal("captured", (await app.PostOkAsync($"/api/admin/payments/{qrNumber}/sync", new { })).GetProperty("status").GetString());
        Assert.Equal("captured", (await app.PostOkAsync($"/api/admin/payments/{qrNumber}/sync", new { })).GetProperty("status").GetString());
        Assert.Equal("paid", await StatusAsync(shopper, second));
        Assert.Single(await EventsAsync(app, second), e => e == "captured");
        second = await OrderAsync(shopper, sku);
        // An answer signed by someone else is not believed.
        using (var impostor = RSA.Create(2048))
        using (var put = await app.Admin.PutAsJsonAsync($"/api/admin/plugins/{Alipay}/settings", new { alipayPublicKey = impostor.ExportSubjectPublicKeyInfoPem() }))
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var refused = await shopper.PostAsJsonAsync($"/api/v1/orders/{second}/payments", new { provider = "alipay", parameters = new { channel = "qrcode" } });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);

        // Uninstalled, the method is gone and its notifications are not taken.
        Assert.Equal(HttpStatusCode.NoContent, (await app.Admin.DeleteAsync($"/api/admin/plugins/{Alipay}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await shopper.PostAsJsonAsync($"/api/v1/orders/{second}/payments", new { provider = "alipay" })).StatusCode);
    }

    internal static async Task InstallAsync(MallApp app, string id, object settings)
    {
        await PluginHostTests.UploadAsync(app, FakeGatewayProcess.PluginPackage(id));
        await PluginHostTests.PostOkAsync(app, $"/api/admin/plugins/{id}/install?enable=true");
        using var put = await app.Admin.PutAsJsonAsync($"/api/admin/plugins/{id}/settings", settings);
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
    }

    private static async Task<long> OrderAsync(HttpClient shopper, long sku) =>
        (await ShopperFlowTests.PostOkAsync(shopper, "/api/v1/orders", new { lines = new[] { new { skuId = sku, quantity = 1 } } })).GetProperty("id").GetInt64();

    internal static async Task<string> StatusAsync(HttpClient shopper, long orderId) =>
        (await CatalogApiTests.GetJsonAsync(shopper, $"/api/v1/orders/{orderId}")).GetProperty("status").GetString()!;

    private static async Task<JsonElement> PayAsync(FakeGatewayProcess gateway, string url)
    {
        using var response = await gateway.Client.PostAsync(url, null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{url} → {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<List<string>> EventsAsync(MallApp app, long orderId) =>
        (await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/orders/{orderId}/payments")).EnumerateArray()
            .SelectMany(p => p.GetProperty("events").EnumerateArray()).Select(e => e.GetProperty("kind").GetString()!).ToList();

    private static async Task<HttpStatusCode> NotifyAsync(MallApp app, string provider, IReadOnlyDictionary<string, string> headers, string body, string contentType)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/payments/notify/{provider}") { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        using var response = await app.Anonymous.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task<string> NotifyTextAsync(MallApp app, string provider, string body, string contentType)
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        using var response = await app.Anonymous.PostAsync($"/api/v1/payments/notify/{provider}", content);
        return await response.Content.ReadAsStringAsync();
    }

    internal static async Task<HttpResponseMessage> RefundAsync(MallApp app, string number, decimal amount, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/admin/payments/{number}/refunds") { Content = JsonContent.Create(new { amount, reason = "returned" }) };
        request.Headers.Add("Idempotency-Key", key);
        return await app.Admin.SendAsync(request);
    }

    private static Dictionary<string, string> With(IReadOnlyDictionary<string, string> headers, string name, string value) =>
        new(headers) { [name] = value };

    /// <summary>Headers of a notification signed with the real platform key (so only the part under test is wrong).</summary>
    private static Dictionary<string, string> Signed(FakeGatewayProcess.GatewayKeys k, string body, DateTimeOffset? at = null)
    {
        var timestamp = (at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var nonce = Guid.NewGuid().ToString("N");
        var signature = Convert.ToBase64String(k.PlatformKey.SignData(Encoding.UTF8.GetBytes($"{timestamp}\n{nonce}\n{body}\n"), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        return new() { ["Wechatpay-Timestamp"] = timestamp, ["Wechatpay-Nonce"] = nonce, ["Wechatpay-Signature"] = signature, ["Wechatpay-Serial"] = k.PlatformSerialNo };
    }

    /// <summary>The notification with its resource sealed under another API v3 key.</summary>
    private static string ResealedBody(string body, string key)
    {
        var envelope = System.Text.Json.Nodes.JsonNode.Parse(body)!.AsObject();
        var resource = envelope["resource"]!.AsObject();
        var plain = Encoding.UTF8.GetBytes("""{"mchid":"x","appid":"y","out_trade_no":"z","trade_state":"SUCCESS","amount":{"total":1,"currency":"CNY"}}""");
        var sealedBytes = new byte[plain.Length + 16];
        using (var aes = new AesGcm(Encoding.UTF8.GetBytes(key), 16))
            aes.Encrypt(Encoding.UTF8.GetBytes((string)resource["nonce"]!), plain, sealedBytes.AsSpan(0, plain.Length), sealedBytes.AsSpan(plain.Length), Encoding.UTF8.GetBytes("transaction"));
        resource["ciphertext"] = Convert.ToBase64String(sealedBytes);
        envelope["id"] = Guid.NewGuid().ToString();
        return envelope.ToJsonString();
    }
}
