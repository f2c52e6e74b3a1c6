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
        var kind = fields.GetValueOrDefault("trade_status") switch
        {
            "TRADE_SUCCESS" or "TRADE_FINISHED" => PaymentEventKind.Captured,
            "TRADE_CLOSED" => PaymentEventKind.Failed,
            "WAIT_BUYER_PAY" => PaymentEventKind.Authorized,
            var other => throw new FormatException($"unexpected trade_status '{other}'"),
        };
        return Task.FromResult<PaymentNotification?>(new PaymentNotification(
            fields["notify_id"], fields["out_trade_no"], kind, decimal.Parse(fields["total_amount"], NumberStyles.Number, CultureInfo.InvariantCulture),
            "CNY", fields.GetValueOrDefault("trade_no") ?? ""));
    }

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
        var raw = AlipaySignature.RawProperty(text, responseName) ?? throw new AlipayException($"Alipay's answer to {method} has no {responseName}.");
        var sign = (string?)JsonNode.Parse(text)!["sign"];
        if (!AlipaySignature.Verify(s.AlipayPublicKey, raw, sign)) throw new AlipayException($"Alipay's answer to {method} failed RSA2 verification.");
        var answer = JsonNode.Parse(raw)!.AsObject();
        if ((string?)answer["code"] != "10000")
            throw new AlipayException($"Alipay refused {method}: {(string?)answer["code"]} {(string?)answer["sub_code"]} {(string?)answer["sub_msg"] ?? (string?)answer["msg"]}");
        return answer;
    }

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

/// <summary>Alipay refused a request or answered something unexpected.</summary>
public sealed class AlipayException(string message) : Exception(message);
