using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Mall.FakeGateways;

internal sealed class WeChatTrade(string number, long total, string currency, string notifyUrl, string transactionId)
{
    public string Number { get; } = number;
    public long Total { get; } = total;
    public string Currency { get; } = currency;
    public string NotifyUrl { get; } = notifyUrl;
    public string TransactionId { get; } = transactionId;
    public bool Paid { get; set; }
    public Dictionary<string, long> Refunds { get; } = [];
}

/// <summary>WeChat Pay API v3 as its documentation describes it: signed requests in, signed answers and encrypted, signed notifications out.</summary>
internal sealed partial class WeChatGateway(JsonObject config)
{
    private readonly RSA _merchantPublic = ImportPem((string)config["merchantPublicKey"]!);
    // The platform key WeChat signs with now, and the one it rotates to (POST /fake/wechat/rotate).
    private volatile RSA _platformPrivate = ImportPem((string)config["platformPrivateKey"]!);
    private volatile string _platformSerialNo = (string)config["platformSerialNo"]!;
    private readonly RSA _nextPlatformPrivate = ImportPem((string)config["nextPlatformPrivateKey"]!);
    private readonly string _nextPlatformSerialNo = (string)config["nextPlatformSerialNo"]!;

    /// <summary>Seconds added to the timestamps of signed answers (a replayed answer, POST /fake/wechat/skew).</summary>
    public long AnswerSkewSeconds { get; set; }

    /// <summary>Signs with the next platform key from now on, as WeChat Pay does after a certificate rotation.</summary>
    public void Rotate()
    {
        _platformPrivate = _nextPlatformPrivate;
        _platformSerialNo = _nextPlatformSerialNo;
    }

    public string MchId { get; } = (string)config["mchId"]!;
    public string AppId { get; } = (string)config["appId"]!;
    private string ApiV3Key => (string)config["apiV3Key"]!;
    private string MerchantSerialNo => (string)config["merchantSerialNo"]!;

    public ConcurrentDictionary<string, WeChatTrade> Trades { get; } = new();

    /// <summary>Null when the request's <c>Authorization</c> is a valid merchant signature; else why not.</summary>
    public string? CheckAuthorization(HttpRequest request, string body)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("WECHATPAY2-SHA256-RSA2048 ", StringComparison.Ordinal)) return "unknown authorization scheme";
        var fields = AuthField().Matches(header).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        if (fields.GetValueOrDefault("mchid") != MchId) return "mchid mismatch";
        if (fields.GetValueOrDefault("serial_no") != MerchantSerialNo) return "serial_no mismatch";
        if (!long.TryParse(fields.GetValueOrDefault("timestamp"), out var ts) || Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - ts) > 300) return "timestamp out of window";
        var message = $"{request.Method}\n{request.Path}{request.QueryString}\n{ts}\n{fields.GetValueOrDefault("nonce_str")}\n{body}\n";
        try
        {
            return _merchantPublic.VerifyData(Encoding.UTF8.GetBytes(message), Convert.FromBase64String(fields.GetValueOrDefault("signature") ?? ""), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
                ? null : "signature mismatch";
        }
        catch (FormatException)
        {
            return "signature is not base64";
        }
    }

    /// <summary>A JSON answer signed by the platform key; error answers (4xx/5xx) are not signed, as WeChat Pay's often are not.</summary>
    public IResult Reply(int status, JsonObject body)
    {
        var text = body.ToJsonString();
        return new SignedResult(status, text, "application/json", status >= 400 ? new Dictionary<string, string>() : Sign(text, AnswerSkewSeconds));
    }

    /// <summary>A REFUND.SUCCESS / REFUND.ABNORMAL / REFUND.CLOSED notification: the refund resource (no appid) encrypted, the envelope signed.</summary>
    public (Dictionary<string, string> Headers, string Body) RefundNotification(WeChatTrade trade, string outRefundNo, long amount, string status)
    {
        var refund = new JsonObject
        {
            ["mchid"] = MchId, ["out_trade_no"] = trade.Number, ["transaction_id"] = trade.TransactionId, ["out_refund_no"] = outRefundNo,
            ["refund_id"] = "5030" + outRefundNo, ["refund_status"] = status, ["user_received_account"] = "支付用户零钱",
            ["success_time"] = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
            ["amount"] = new JsonObject { ["total"] = trade.Total, ["refund"] = amount, ["payer_total"] = trade.Total, ["payer_refund"] = amount },
        };
        return Envelope(refund, $"REFUND.{status}", "refund", status == "SUCCESS" ? "退款成功" : "退款异常");
    }

    /// <summary>A TRANSACTION.SUCCESS notification: the transaction encrypted with AEAD_AES_256_GCM, the envelope signed.</summary>
    public (Dictionary<string, string> Headers, string Body) Notification(WeChatTrade trade, long amount)
    {
        var transaction = new JsonObject
        {
            ["mchid"] = MchId, ["appid"] = AppId, ["out_trade_no"] = trade.Number, ["transaction_id"] = trade.TransactionId, ["trade_type"] = "JSAPI",
            ["trade_state"] = "SUCCESS", ["trade_state_desc"] = "支付成功", ["bank_type"] = "OTHERS", ["attach"] = "",
            ["success_time"] = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
            ["payer"] = new JsonObject { ["openid"] = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" },
            ["amount"] = new JsonObject { ["total"] = amount, ["payer_total"] = amount, ["currency"] = trade.Currency, ["payer_currency"] = trade.Currency },
        };
        return Envelope(transaction, "TRANSACTION.SUCCESS", "transaction", "支付成功");
    }

    private (Dictionary<string, string> Headers, string Body) Envelope(JsonObject resource, string eventType, string originalType, string summary)
    {
        var nonce = RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 12);
        var associated = originalType;
        var plain = Encoding.UTF8.GetBytes(resource.ToJsonString());
        var sealedBytes = new byte[plain.Length + 16];
        using (var aes = new AesGcm(Encoding.UTF8.GetBytes(ApiV3Key), 16))
            aes.Encrypt(Encoding.UTF8.GetBytes(nonce), plain, sealedBytes.AsSpan(0, plain.Length), sealedBytes.AsSpan(plain.Length), Encoding.UTF8.GetBytes(associated));
        var envelope = new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString(), ["create_time"] = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
            ["resource_type"] = "encrypt-resource", ["event_type"] = eventType, ["summary"] = summary,
            ["resource"] = new JsonObject
            {
                ["original_type"] = originalType, ["algorithm"] = "AEAD_AES_256_GCM", ["ciphertext"] = Convert.ToBase64String(sealedBytes),
                ["associated_data"] = associated, ["nonce"] = nonce,
            },
        };
        var body = envelope.ToJsonString();
        return (Sign(body, 0), body);
    }

    private Dictionary<string, string> Sign(string body, long skewSeconds)
    {
        var timestamp = (DateTimeOffset.UtcNow.ToUnixTimeSeconds() + skewSeconds).ToString(CultureInfo.InvariantCulture);
        var nonce = Guid.NewGuid().ToString("N");
        var signature = Convert.ToBase64String(_platformPrivate.SignData(Encoding.UTF8.GetBytes($"{timestamp}\n{nonce}\n{body}\n"), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        return new Dictionary<string, string>
        {
            ["Wechatpay-Timestamp"] = timestamp, ["Wechatpay-Nonce"] = nonce, ["Wechatpay-Signature"] = signature,
            ["Wechatpay-Serial"] = _platformSerialNo, ["Request-ID"] = Guid.NewGuid().ToString(),
        };
    }

    internal static RSA ImportPem(string pem)
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        return rsa;
    }

    [GeneratedRegex("([a-z_]+)=\"([^\"]*)\"")]
    private static partial Regex AuthField();
}

internal sealed class AlipayTrade(string number, decimal total, string notifyUrl)
{
    public string Number { get; } = number;
    public decimal Total { get; } = total;
    public string NotifyUrl { get; } = notifyUrl;
    public string TradeNo { get; } = "2026" + RandomNumberGenerator.GetInt32(100_000_000).ToString("D12", CultureInfo.InvariantCulture);
    public bool Paid { get; set; }
    public Dictionary<string, decimal> Refunds { get; } = [];
}

/// <summary>Alipay's OpenAPI gateway as documented: RSA2-signed requests in, signed answers and signed form notifications out.</summary>
internal sealed class AlipayGateway(JsonObject config)
{
    private readonly RSA _appPublic = WeChatGateway.ImportPem((string)config["appPublicKey"]!);
    private readonly RSA _alipayPrivate = WeChatGateway.ImportPem((string)config["alipayPrivateKey"]!);
    private string AppId => (string)config["appId"]!;

    public ConcurrentDictionary<string, AlipayTrade> Trades { get; } = new();

    /// <summary>Request signatures cover every parameter but <c>sign</c>, sorted, empty ones left out.</summary>
    public bool VerifyRequest(Dictionary<string, string> fields)
    {
        if (fields.GetValueOrDefault("app_id") != AppId || fields.GetValueOrDefault("sign_type") != "RSA2" || !fields.TryGetValue("sign", out var sign)) return false;
        var content = string.Join("&", fields.Where(f => f.Key != "sign" && f.Value.Length > 0).OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key}={f.Value}"));
        try
        {
            return _appPublic.VerifyData(Encoding.UTF8.GetBytes(content), Convert.FromBase64String(sign), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public AlipayTrade Open(JsonObject biz, string notifyUrl)
    {
        var number = (string)biz["out_trade_no"]!;
        return Trades.GetOrAdd(number, _ => new AlipayTrade(number, decimal.Parse((string)biz["total_amount"]!, CultureInfo.InvariantCulture), notifyUrl));
    }

    /// <summary>An answer whose <c>sign</c> covers the exact text of its <c>*_response</c> object.</summary>
    public IResult Reply(string responseName, JsonObject response)
    {
        var raw = response.ToJsonString();
        var sign = Convert.ToBase64String(_alipayPrivate.SignData(Encoding.UTF8.GetBytes(raw), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        return Results.Text($"{{\"{responseName}\":{raw},\"sign\":\"{sign}\"}}", "application/json; charset=utf-8");
    }

    /// <summary>A gateway-level error (bad signature, app id…): <c>error_response</c>, unsigned, as Alipay answers.</summary>
    public IResult Error(string code, string msg, string subCode, string subMsg) =>
        Results.Text(new JsonObject { ["error_response"] = new JsonObject { ["code"] = code, ["msg"] = msg, ["sub_code"] = subCode, ["sub_msg"] = subMsg } }.ToJsonString(),
            "application/json; charset=utf-8");

    /// <summary>
    /// The notification Alipay sends after a refund: the trade's status (TRADE_SUCCESS after a partial refund,
    /// TRADE_CLOSED after a full one) with refund_fee (all refunded so far), gmt_refund and out_biz_no (the refund's out_request_no).
    /// </summary>
    public string RefundNotification(AlipayTrade trade, string requestNo)
    {
        var refunded = trade.Refunds.Values.Sum();
        var beijing = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);
        return Signed(new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["notify_time"] = beijing[..19], ["notify_type"] = "trade_status_sync", ["notify_id"] = Guid.NewGuid().ToString("N"), ["app_id"] = AppId, ["charset"] = "utf-8",
            ["version"] = "1.0", ["trade_no"] = trade.TradeNo, ["out_trade_no"] = trade.Number, ["out_biz_no"] = requestNo,
            ["trade_status"] = refunded >= trade.Total ? "TRADE_CLOSED" : "TRADE_SUCCESS", ["total_amount"] = trade.Total.ToString("0.00", CultureInfo.InvariantCulture),
            ["refund_fee"] = refunded.ToString("0.00", CultureInfo.InvariantCulture), ["gmt_refund"] = beijing, ["buyer_id"] = "2088102177846875",
            ["gmt_create"] = beijing[..19], ["gmt_payment"] = beijing[..19], ["subject"] = $"Order {trade.Number}",
        });
    }

    private string Signed(SortedDictionary<string, string> fields)
    {
        var content = string.Join("&", fields.Select(f => $"{f.Key}={f.Value}"));
        fields["sign"] = Convert.ToBase64String(_alipayPrivate.SignData(Encoding.UTF8.GetBytes(content), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        fields["sign_type"] = "RSA2";
        return string.Join("&", fields.Select(f => $"{Uri.EscapeDataString(f.Key)}={Uri.EscapeDataString(f.Value)}"));
    }

    /// <summary>A trade_status_sync notification, form-encoded, signed over every field but <c>sign</c> and <c>sign_type</c>.</summary>
    public string Notification(AlipayTrade trade, string amount)
    {
        var beijing = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        var fields = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["notify_time"] = beijing, ["notify_type"] = "trade_status_sync", ["notify_id"] = Guid.NewGuid().ToString("N"), ["app_id"] = AppId, ["charset"] = "utf-8",
            ["version"] = "1.0", ["trade_no"] = trade.TradeNo, ["out_trade_no"] = trade.Number, ["trade_status"] = "TRADE_SUCCESS", ["total_amount"] = amount,
            ["receipt_amount"] = amount, ["buyer_pay_amount"] = amount, ["buyer_id"] = "2088102177846875", ["gmt_create"] = beijing, ["gmt_payment"] = beijing,
            ["subject"] = $"Order {trade.Number}",
        };
        return Signed(fields);
    }
}

/// <summary>A response with WeChat Pay's signature headers.</summary>
internal sealed class SignedResult(int status, string body, string contentType, Dictionary<string, string> headers) : IResult
{
    public async Task ExecuteAsync(HttpContext context)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        foreach (var (name, value) in headers) context.Response.Headers[name] = value;
        await context.Response.WriteAsync(body);
    }
}
