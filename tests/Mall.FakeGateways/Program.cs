using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mall.FakeGateways;

// Usage: Mall.FakeGateways <config.json> [--urls http://127.0.0.1:0]
// config.json: { "wechat": { mchId, appId, apiV3Key, merchantSerialNo, merchantPublicKey, platformSerialNo, platformPrivateKey,
//                             nextPlatformSerialNo, nextPlatformPrivateKey },
//                "alipay": { appId, appPublicKey, alipayPrivateKey } } (keys as PEM text).
var config = JsonNode.Parse(File.ReadAllText(args[0]))!.AsObject();
var builder = WebApplication.CreateSlimBuilder(args.Skip(1).ToArray());
builder.Services.AddSingleton(new WeChatGateway(config["wechat"]!.AsObject()));
builder.Services.AddSingleton(new AlipayGateway(config["alipay"]!.AsObject()));
builder.Services.AddHttpClient();
var app = builder.Build();

var wechat = app.Services.GetRequiredService<WeChatGateway>();
var alipay = app.Services.GetRequiredService<AlipayGateway>();

app.MapPost("/v3/pay/transactions/{channel}", async (string channel, HttpRequest request) =>
{
    var body = await new StreamReader(request.Body).ReadToEndAsync();
    if (wechat.CheckAuthorization(request, body) is { } error) return wechat.Reply(401, new JsonObject { ["code"] = "SIGN_ERROR", ["message"] = error });
    var order = JsonNode.Parse(body)!.AsObject();
    if ((string?)order["mchid"] != wechat.MchId || (string?)order["appid"] != wechat.AppId)
        return wechat.Reply(400, new JsonObject { ["code"] = "PARAM_ERROR", ["message"] = "mchid or appid mismatch" });
    if (channel == "jsapi" && order["payer"]?["openid"] is null) return wechat.Reply(400, new JsonObject { ["code"] = "PARAM_ERROR", ["message"] = "payer.openid missing" });
    var number = (string)order["out_trade_no"]!;
    wechat.Trades[number] = new WeChatTrade(number, (long)order["amount"]!["total"]!, (string?)order["amount"]!["currency"] ?? "CNY", (string)order["notify_url"]!, "4200" + RandomNumberGenerator.GetInt32(100_000_000).ToString("D10", CultureInfo.InvariantCulture));
    return channel switch
    {
        "jsapi" => wechat.Reply(200, new JsonObject { ["prepay_id"] = "wx" + number }),
        "native" => wechat.Reply(200, new JsonObject { ["code_url"] = $"weixin://wxpay/bizpayurl?pr={number}" }),
        "h5" => wechat.Reply(200, new JsonObject { ["h5_url"] = $"https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx{number}" }),
        _ => wechat.Reply(404, new JsonObject { ["code"] = "NOT_FOUND", ["message"] = channel }),
    };
});

app.MapPost("/v3/refund/domestic/refunds", async (HttpRequest request) =>
{
    var body = await new StreamReader(request.Body).ReadToEndAsync();
    if (wechat.CheckAuthorization(request, body) is { } error) return wechat.Reply(401, new JsonObject { ["code"] = "SIGN_ERROR", ["message"] = error });
    var refund = JsonNode.Parse(body)!.AsObject();
    if (!wechat.Trades.TryGetValue((string)refund["out_trade_no"]!, out var trade) || !trade.Paid)
        return wechat.Reply(404, new JsonObject { ["code"] = "RESOURCE_NOT_EXISTS", ["message"] = "订单不存在" });
    var outRefundNo = (string)refund["out_refund_no"]!;
    var amount = (long)refund["amount"]!["refund"]!;
    lock (trade)
    {
        // The same out_refund_no is one refund however often it is sent.
        if (!trade.Refunds.ContainsKey(outRefundNo))
        {
            if (trade.Refunds.Values.Sum() + amount > trade.Total)
                return wechat.Reply(403, new JsonObject { ["code"] = "NOT_ENOUGH", ["message"] = "可退金额不足" });
            trade.Refunds[outRefundNo] = amount;
        }
    }
    return wechat.Reply(200, new JsonObject
    {
        ["refund_id"] = "5030" + outRefundNo, ["out_refund_no"] = outRefundNo, ["transaction_id"] = trade.TransactionId, ["out_trade_no"] = trade.Number,
        ["status"] = "SUCCESS", ["amount"] = new JsonObject { ["refund"] = trade.Refunds[outRefundNo], ["total"] = trade.Total, ["currency"] = trade.Currency },
    });
});

app.MapGet("/v3/pay/transactions/out-trade-no/{number}", (string number, string mchid, HttpRequest request) =>
{
    if (wechat.CheckAuthorization(request, "") is { } error) return wechat.Reply(401, new JsonObject { ["code"] = "SIGN_ERROR", ["message"] = error });
    if (mchid != wechat.MchId || !wechat.Trades.TryGetValue(number, out var trade)) return wechat.Reply(404, new JsonObject { ["code"] = "ORDER_NOT_EXIST", ["message"] = "订单不存在" });
    return wechat.Reply(200, new JsonObject
    {
        ["appid"] = wechat.AppId, ["mchid"] = wechat.MchId, ["out_trade_no"] = number, ["transaction_id"] = trade.TransactionId,
        ["trade_state"] = trade.Paid ? "SUCCESS" : "NOTPAY", ["trade_state_desc"] = trade.Paid ? "支付成功" : "订单未支付",
        ["amount"] = new JsonObject { ["total"] = trade.Total, ["currency"] = trade.Currency },
    });
});

// Control: the shopper pays; the gateway notifies the mall and answers what it sent and what the mall said.
app.MapPost("/fake/wechat/pay/{number}", async (string number, IHttpClientFactory http, long? amount, bool? deliver) =>
{
    if (!wechat.Trades.TryGetValue(number, out var trade)) return Results.NotFound();
    trade.Paid = true;
    // A notification lost on the way: the trade is paid but the mall is not told.
    if (deliver == false) return Results.Json(new Delivery(0, "", [], ""));
    var (headers, body) = wechat.Notification(trade, amount ?? trade.Total);
    return Results.Json(await Deliver(http, trade.NotifyUrl, headers, body, "application/json"));
});
// Control: WeChat Pay's refund notification for a refund it took (SUCCESS, ABNORMAL or CLOSED).
app.MapPost("/fake/wechat/refund-notify/{number}", async (string number, string status, IHttpClientFactory http) =>
{
    if (!wechat.Trades.TryGetValue(number, out var trade) || trade.Refunds.Count == 0) return Results.NotFound();
    var (outRefundNo, amount) = trade.Refunds.Last();
    var (headers, body) = wechat.RefundNotification(trade, outRefundNo, amount, status);
    return Results.Json(await Deliver(http, trade.NotifyUrl, headers, body, "application/json"));
});
// Control: sign answers with timestamps this far off (a replayed answer); rotate the platform certificate.
app.MapPost("/fake/wechat/skew", (long seconds) => { wechat.AnswerSkewSeconds = seconds; return Results.NoContent(); });
app.MapPost("/fake/wechat/rotate", () => { wechat.Rotate(); return Results.NoContent(); });
app.MapGet("/fake/wechat/trades/{number}", (string number) =>
    wechat.Trades.TryGetValue(number, out var t) ? Results.Json(new { t.Number, t.Total, t.Paid, Refunded = t.Refunds.Values.Sum(), RefundCount = t.Refunds.Count }) : Results.NotFound());

// Alipay: the cashier (a browser GET of the signed page/wap pay URL) and API calls (form POST).
app.MapGet("/gateway.do", (HttpRequest request) =>
{
    var fields = request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
    if (!alipay.VerifyRequest(fields)) return Results.Content("<html><body>验签出错 (invalid-signature)</body></html>", "text/html; charset=utf-8", statusCode: 400);
    var biz = JsonNode.Parse(fields["biz_content"])!.AsObject();
    alipay.Open(biz, fields.GetValueOrDefault("notify_url") ?? "");
    return Results.Content($"<html><body>支付宝收银台 {biz["out_trade_no"]} ¥{biz["total_amount"]}</body></html>", "text/html; charset=utf-8");
});
app.MapPost("/gateway.do", async (HttpRequest request) =>
{
    var form = await request.ReadFormAsync();
    var fields = form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
    var method = fields.GetValueOrDefault("method") ?? "";
    var responseName = method.Replace('.', '_') + "_response";
    if (!alipay.VerifyRequest(fields)) return alipay.Error("40002", "Invalid Arguments", "isv.invalid-signature", "验签出错");
    var biz = JsonNode.Parse(fields["biz_content"])!.AsObject();
    switch (method)
    {
        case "alipay.trade.precreate":
        {
            var trade = alipay.Open(biz, fields.GetValueOrDefault("notify_url") ?? "");
            return alipay.Reply(responseName, new JsonObject { ["code"] = "10000", ["msg"] = "Success", ["out_trade_no"] = trade.Number, ["qr_code"] = $"https://qr.alipay.com/bax{trade.Number}" });
        }
        case "alipay.trade.refund":
        {
            if (!alipay.Trades.TryGetValue((string)biz["out_trade_no"]!, out var trade) || !trade.Paid)
                return alipay.Reply(responseName, new JsonObject { ["code"] = "40004", ["msg"] = "Business Failed", ["sub_code"] = "ACQ.TRADE_NOT_EXIST", ["sub_msg"] = "交易不存在" });
            var requestNo = (string)biz["out_request_no"]!;
            var amount = decimal.Parse((string)biz["refund_amount"]!, CultureInfo.InvariantCulture);
            var fundChange = "N";
            lock (trade)
            {
                if (!trade.Refunds.ContainsKey(requestNo))
                {
                    if (trade.Refunds.Values.Sum() + amount > trade.Total)
                        return alipay.Reply(responseName, new JsonObject { ["code"] = "40004", ["msg"] = "Business Failed", ["sub_code"] = "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", ["sub_msg"] = "退款金额超限" });
                    trade.Refunds[requestNo] = amount;
                    fundChange = "Y";
                }
            }
            return alipay.Reply(responseName, new JsonObject
            {
                ["code"] = "10000", ["msg"] = "Success", ["trade_no"] = trade.TradeNo, ["out_trade_no"] = trade.Number, ["buyer_logon_id"] = "159****5620",
                ["fund_change"] = fundChange, ["refund_fee"] = trade.Refunds.Values.Sum().ToString("0.00", CultureInfo.InvariantCulture),
            });
        }
        case "alipay.trade.query":
        {
            if (!alipay.Trades.TryGetValue((string)biz["out_trade_no"]!, out var trade))
                return alipay.Reply(responseName, new JsonObject { ["code"] = "40004", ["msg"] = "Business Failed", ["sub_code"] = "ACQ.TRADE_NOT_EXIST", ["sub_msg"] = "交易不存在" });
            return alipay.Reply(responseName, new JsonObject
            {
                ["code"] = "10000", ["msg"] = "Success", ["trade_no"] = trade.TradeNo, ["out_trade_no"] = trade.Number, ["buyer_logon_id"] = "159****5620",
                ["trade_status"] = trade.Paid ? "TRADE_SUCCESS" : "WAIT_BUYER_PAY", ["total_amount"] = trade.Total.ToString("0.00", CultureInfo.InvariantCulture),
            });
        }
        default:
            return alipay.Reply(responseName, new JsonObject { ["code"] = "40004", ["msg"] = "Business Failed", ["sub_code"] = "isv.invalid-method" });
    }
});
app.MapPost("/fake/alipay/pay/{number}", async (string number, IHttpClientFactory http, string? amount, bool? deliver) =>
{
    if (!alipay.Trades.TryGetValue(number, out var trade)) return Results.NotFound();
    trade.Paid = true;
    if (deliver == false) return Results.Json(new Delivery(0, "", [], ""));
    var body = alipay.Notification(trade, amount ?? trade.Total.ToString("0.00", CultureInfo.InvariantCulture));
    return Results.Json(await Deliver(http, trade.NotifyUrl, new Dictionary<string, string>(), body, "application/x-www-form-urlencoded; charset=utf-8"));
});
// Control: the notification Alipay sends after the trade's last refund.
app.MapPost("/fake/alipay/refund-notify/{number}", async (string number, IHttpClientFactory http) =>
{
    if (!alipay.Trades.TryGetValue(number, out var trade) || trade.Refunds.Count == 0) return Results.NotFound();
    var body = alipay.RefundNotification(trade, trade.Refunds.Keys.Last());
    return Results.Json(await Deliver(http, trade.NotifyUrl, new Dictionary<string, string>(), body, "application/x-www-form-urlencoded; charset=utf-8"));
});
// Control: a refund the merchant makes in Alipay's console (Mall never asked for it), then its notification.
app.MapPost("/fake/alipay/console-refund/{number}", async (string number, decimal amount, IHttpClientFactory http) =>
{
    if (!alipay.Trades.TryGetValue(number, out var trade) || !trade.Paid) return Results.NotFound();
    var requestNo = "console-" + Guid.NewGuid().ToString("N")[..8];
    lock (trade) trade.Refunds[requestNo] = amount;
    var body = alipay.RefundNotification(trade, requestNo);
    return Results.Json(await Deliver(http, trade.NotifyUrl, new Dictionary<string, string>(), body, "application/x-www-form-urlencoded; charset=utf-8"));
});
app.MapGet("/fake/alipay/trades/{number}", (string number) =>
    alipay.Trades.TryGetValue(number, out var t) ? Results.Json(new { t.Number, t.Total, t.Paid, Refunded = t.Refunds.Values.Sum(), RefundCount = t.Refunds.Count }) : Results.NotFound());

app.Run();

static async Task<Delivery> Deliver(IHttpClientFactory http, string url, Dictionary<string, string> headers, string body, string contentType)
{
    using var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8) };
    message.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
    foreach (var (name, value) in headers) message.Headers.TryAddWithoutValidation(name, value);
    using var response = await http.CreateClient().SendAsync(message);
    return new Delivery((int)response.StatusCode, await response.Content.ReadAsStringAsync(), headers, body);
}

/// <summary>What the gateway posted to the mall and what the mall answered.</summary>
internal sealed record Delivery(int MallStatus, string MallAnswer, Dictionary<string, string> Headers, string Body);
