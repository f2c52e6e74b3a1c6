using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mall.Common;
using Mall.Payments;
using Mall.Plugins;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;

namespace Mall.Plugins.Alipay.Providers;

/// <summary>
/// Payment method <c>alipay</c>. Client parameter <c>channel</c>: <c>page</c> (default: the computer-website cashier,
/// a redirect), <c>wap</c> (the phone-website cashier, a redirect), <c>qrcode</c> (precreate: a QR code to scan) or
/// <c>app</c> (the signed order string for the Alipay SDK).
/// </summary>
public sealed class AlipayProvider(IPluginSettings settings, TimeProvider clock, ILogger<AlipayProvider> logger) : IPaymentProvider, IDisposable
{
    /// <summary>The provider name.</summary>
    public const string ProviderName = "alipay";

    // Alipay's timestamps are Beijing time.
    private static readonly TimeSpan Beijing = TimeSpan.FromHours(8);

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(15) };

    /// <inheritdoc />
    public string Name => ProviderName;

    /// <inheritdoc />
    public PaymentCapabilities Capabilities => PaymentCapabilities.Refund | PaymentCapabilities.PartialRefund | PaymentCapabilities.Query;

    /// <inheritdoc />
    public async Task<PaymentAction> CreateAsync(PaymentRequest request, CancellationToken cancellationToken)
    {
        var s = Configured();
        if (!string.Equals(request.Currency, "CNY", StringComparison.OrdinalIgnoreCase))
            throw new MallConflictException($"Alipay takes CNY; this payment is in {request.Currency}.") { Code = "payment.currency_unsupported" };
        var channel = request.ClientParameters.TryGetValue("channel", out var c) ? c.Trim().ToLowerInvariant() : "page";
        var (method, productCode) = channel switch
        {
            "page" => ("alipay.trade.page.pay", "FAST_INSTANT_TRADE_PAY"),
            "wap" => ("alipay.trade.wap.pay", "QUICK_WAP_WAY"),
            "qrcode" => ("alipay.trade.precreate", null),
            "app" => ("alipay.trade.app.pay", "QUICK_MSECURITY_PAY"),
            _ => throw new MallValidationException("parameters.channel", "is page, wap, qrcode or app."),
        };
        var biz = new JsonObject
        {
            ["out_trade_no"] = request.PaymentNumber,
            ["total_amount"] = request.Amount.ToString("0.00", CultureInfo.InvariantCulture),
            ["subject"] = request.Description.Length <= 256 ? request.Description : request.Description[..256],
        };
        if (productCode is not null) biz["product_code"] = productCode;
        var parameters = Signed(s, method, biz, request.NotifyUrl, channel is "page" or "wap" ? s.ReturnUrl : null);
        switch (channel)
        {
            case "qrcode":
                var answer = await CallAsync(s, parameters, method, cancellationToken).ConfigureAwait(false);
                return new PaymentAction(PaymentActionKind.QrCode, QrCode: (string?)answer["qr_code"] ?? throw new AlipayException("Alipay's answer has no qr_code."));
            case "app":
                return new PaymentAction(PaymentActionKind.ClientParameters, Parameters: new Dictionary<string, string> { ["orderString"] = Encode(parameters) });
            default:
                return new PaymentAction(PaymentActionKind.Redirect, Url: $"{s.GatewayUrl}?{Encode(parameters)}");
        }
    }

    /// <inheritdoc />
    public Task<PaymentNotification?> VerifyNotificationAsync(ProviderNotification notification, CancellationToken cancellationToken)
    {
        var s = Configured();
        var fields = QueryHelpers.ParseQuery(notification.Body).ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
        fields.TryGetValue("sign", out var sign);
        if (!AlipaySignature.Verify(s.AlipayPublicKey, AlipaySignature.Content(fields, excludeSignType: true), sign))
        {
            logger.LogWarning("An Alipay notification failed RSA2 verification.");
            return Task.FromResult<PaymentNotification?>(null);
        }
        if (fields.GetValueOrDefault("app_id") != s.AppId)
        {
            logger.LogWarning("An Alipay notification for app {AppId} was ignored.", fields.GetValueOrDefault("app_id"));
            return Task.FromResult<PaymentNotification?>(null);
        }
        var total = decimal.Parse(fields.GetValueOrDefault("total_amount") ?? throw new FormatException("no total_amount"), NumberStyles.Number, CultureInfo.InvariantCulture);
        var status = fields.GetValueOrDefault("trade_status");
        var tradeNo = fields.GetValueOrDefault("trade_no") ?? "";
        // A refund is notified as the trade's status with refund fields: TRADE_SUCCESS with refund_fee, gmt_refund and
        // out_biz_no (the refund's out_request_no) after a partial refund, TRADE_CLOSED with refund_fee after a full one.
        var refundFee = fields.GetValueOrDefault("refund_fee");
        var isRefund = !string.IsNullOrEmpty(refundFee) || !string.IsNullOrEmpty(fields.GetValueOrDefault("gmt_refund")) || !string.IsNullOrEmpty(fields.GetValueOrDefault("out_biz_no"));
        PaymentEventKind kind;
        RefundNotice? refund = null;
        if (isRefund && status is "TRADE_SUCCESS" or "TRADE_FINISHED" or "TRADE_CLOSED")
        {
            kind = PaymentEventKind.Refunded;
            refund = new RefundNotice(NullIfEmpty(fields.GetValueOrDefault("out_biz_no")), null,
                string.IsNullOrEmpty(refundFee) ? null : decimal.Parse(refundFee, NumberStyles.Number, CultureInfo.InvariantCulture), null);
        }
        else
        {
            kind = status switch
            {
                "TRADE_SUCCESS" or "TRADE_FINISHED" => PaymentEventKind.Captured,
                "TRADE_CLOSED" => PaymentEventKind.Failed,
                "WAIT_BUYER_PAY" => PaymentEventKind.Authorized,
                var other => throw new FormatException($"unexpected trade_status '{other}'"),
            };
        }
        // notify_id may be missing or empty: the ledger then identifies the event by what it says.
        return Task.FromResult<PaymentNotification?>(new PaymentNotification(
            fields.GetValueOrDefault("notify_id") ?? "", fields.GetValueOrDefault("out_trade_no") ?? "", kind, total, "CNY", tradeNo) { Refund = refund });
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <inheritdoc />
    public NotificationAnswer Answer(bool accepted, string message) =>
        // Alipay reads the body: "success" stops its retries; anything else is retried (up to 8 times over 25 hours).
        new(200, "text/plain", accepted ? "success" : "failure");

    /// <inheritdoc />
    public async Task<ProviderRefundResult> RefundAsync(ProviderRefundRequest request, CancellationToken cancellationToken)
    {
        var s = Configured();
        const string method = "alipay.trade.refund";
        var biz = new JsonObject
        {
            ["out_trade_no"] = request.PaymentNumber,
            ["refund_amount"] = request.Amount.ToString("0.00", CultureInfo.InvariantCulture),
            // The same out_request_no never refunds twice at Alipay.
            ["out_request_no"] = request.RefundNumber,
            ["refund_reason"] = request.Reason.Length <= 256 ? request.Reason : request.Reason[..256],
        };
        try
        {
            var answer = await CallAsync(s, Signed(s, method, biz, null, null), method, cancellationToken).ConfigureAwait(false);
            return new ProviderRefundResult(true, (string?)answer["trade_no"], null);
        }
        catch (AlipayException ex)
        {
            return new ProviderRefundResult(false, null, ex.Message);
        }
    }

    /// <inheritdoc />
    public async Task<PaymentNotification?> QueryAsync(PaymentQuery query, CancellationToken cancellationToken)
    {
        var s = Configured();
        const string method = "alipay.trade.query";
        JsonObject answer;
        try
        {
            answer = await CallAsync(s, Signed(s, method, new JsonObject { ["out_trade_no"] = query.PaymentNumber }, null, null), method, cancellationToken).ConfigureAwait(false);
        }
        catch (AlipayException ex) when (ex.Message.Contains("ACQ.TRADE_NOT_EXIST", StringComparison.Ordinal))
        {
            return null;   // the shopper has not opened the cashier or scanned the code yet
        }
        PaymentEventKind? kind = (string?)answer["trade_status"] switch
        {
            "TRADE_SUCCESS" or "TRADE_FINISHED" => PaymentEventKind.Captured,
            "TRADE_CLOSED" => PaymentEventKind.Failed,
            _ => null,   // WAIT_BUYER_PAY
        };
        return kind is null ? null : new PaymentNotification("", (string)answer["out_trade_no"]!, kind.Value,
            decimal.Parse((string)answer["total_amount"]!, NumberStyles.Number, CultureInfo.InvariantCulture), "CNY", (string?)answer["trade_no"] ?? "");
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    /// <summary>The common parameters with <c>biz_content</c>, signed.</summary>
    private SortedDictionary<string, string> Signed(AlipaySettings s, string method, JsonObject biz, string? notifyUrl, string? returnUrl)
    {
        var parameters = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["app_id"] = s.AppId,
            ["method"] = method,
            ["format"] = "JSON",
            ["charset"] = "utf-8",
            ["sign_type"] = "RSA2",
            ["timestamp"] = clock.GetUtcNow().ToOffset(Beijing).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            ["version"] = "1.0",
            ["biz_content"] = biz.ToJsonString(),
        };
        if (!string.IsNullOrEmpty(notifyUrl)) parameters["notify_url"] = notifyUrl;
        if (!string.IsNullOrEmpty(returnUrl)) parameters["return_url"] = returnUrl;
        parameters["sign"] = AlipaySignature.Sign(s.AppPrivateKey, AlipaySignature.Content(parameters, excludeSignType: false));
        return parameters;
    }

    /// <summary>Calls the gateway and returns the verified <c>*_response</c> object; a business error (code other than 10000) throws.</summary>
    private async Task<JsonObject> CallAsync(AlipaySettings s, SortedDictionary<string, string> parameters, string method, CancellationToken cancellationToken)
    {
        using var content = new FormUrlEncodedContent(parameters);
        using var response = await _http.PostAsync(s.GatewayUrl, content, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw new AlipayException($"Alipay answered {(int)response.StatusCode} to {method}.");
        var responseName = method.Replace('.', '_') + "_response";
        // Gateway-level errors (a bad signature, app id or method) come as error_response, often unsigned: what they
        // say is reported, never acted on.
        if (AlipaySignature.RawProperty(text, responseName) is not { } raw)
        {
            var error = AlipaySignature.RawProperty(text, "error_response") is { } e ? JsonNode.Parse(e) as JsonObject : null;
            throw new AlipayException(error is null
                ? $"Alipay's answer to {method} has no {responseName}."
                : $"Alipay refused {method}: {Describe(error)}");
        }
        var sign = (string?)JsonNode.Parse(text)!["sign"];
        if (!AlipaySignature.Verify(s.AlipayPublicKey, raw, sign)) throw new AlipayException($"Alipay's answer to {method} failed RSA2 verification.");
        var answer = JsonNode.Parse(raw)!.AsObject();
        if ((string?)answer["code"] != "10000") throw new AlipayException($"Alipay refused {method}: {Describe(answer)}");
        return answer;
    }

    /// <summary>An Alipay error as its code, sub-code and message, e.g. <c>40002 isv.invalid-signature 验签出错</c>.</summary>
    private static string Describe(JsonObject error) =>
        string.Join(' ', new[] { (string?)error["code"], (string?)error["sub_code"], (string?)error["sub_msg"] ?? (string?)error["msg"] }.Where(p => !string.IsNullOrEmpty(p)));

    private static string Encode(IEnumerable<KeyValuePair<string, string>> parameters) =>
        string.Join('&', parameters.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));

    private AlipaySettings Configured()
    {
        var s = settings.Get<AlipaySettings>();
        if (string.IsNullOrEmpty(s.AppId) || string.IsNullOrEmpty(s.AppPrivateKey) || string.IsNullOrEmpty(s.AlipayPublicKey))
            throw new MallConflictException("Alipay is not configured: set appId, appPrivateKey and alipayPublicKey in the plugin's settings.") { Code = "payment.not_configured" };
        return s;
    }
}

/// <summary>Refuses Alipay settings that cannot work, when they are saved: keys that do not parse, a gateway that is not a URL.</summary>
public sealed class AlipaySettingsValidator : IPluginSettingsValidator
{
    /// <inheritdoc />
    public void Validate(JsonObject settings, ValidationErrors errors)
    {
        if ((string?)settings["appPrivateKey"] is { Length: > 0 } privateKey && AlipayKeys.Problem(privateKey, privateKey: true) is { } p1) errors.Add("appPrivateKey", p1);
        if ((string?)settings["alipayPublicKey"] is { Length: > 0 } publicKey && AlipayKeys.Problem(publicKey, privateKey: false) is { } p2) errors.Add("alipayPublicKey", p2);
        if (!Uri.TryCreate((string?)settings["gatewayUrl"], UriKind.Absolute, out var gateway) || gateway.Scheme is not ("https" or "http"))
            errors.Add("gatewayUrl", "must be an absolute http(s) URL, e.g. https://openapi.alipay.com/gateway.do.");
        errors.Url("returnUrl", (string?)settings["returnUrl"] is { Length: > 0 } back ? back : null);
    }
}

/// <summary>Alipay refused a request or answered something unexpected.</summary>
public sealed class AlipayException(string message) : Exception(message);
