using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mall.Common;
using Mall.Payments;
using Mall.Plugins;
using Microsoft.Extensions.Logging;

namespace Mall.Plugins.WeChatPay.Providers;

/// <summary>
/// Payment method <c>wechatpay</c> over WeChat Pay API v3. Client parameters: <c>channel</c> = <c>native</c>
/// (default: a QR code to scan), <c>jsapi</c> or <c>miniprogram</c> (with the payer's <c>openid</c>: signed pay
/// parameters for the client), <c>h5</c> (a redirect URL, with the shopper's <c>clientIp</c>).
/// </summary>
public sealed class WeChatPayProvider(IPluginSettings settings, TimeProvider clock, ILogger<WeChatPayProvider> logger) : IPaymentProvider, IDisposable
{
    /// <summary>The provider name.</summary>
    public const string ProviderName = "wechatpay";

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(15) };

    /// <inheritdoc />
    public string Name => ProviderName;

    /// <inheritdoc />
    public PaymentCapabilities Capabilities => PaymentCapabilities.Refund | PaymentCapabilities.PartialRefund | PaymentCapabilities.Query;

    /// <inheritdoc />
    public async Task<PaymentAction> CreateAsync(PaymentRequest request, CancellationToken cancellationToken)
    {
        var s = Configured();
        var channel = request.ClientParameters.TryGetValue("channel", out var c) ? c.Trim().ToLowerInvariant() : "native";
        var body = new JsonObject
        {
            ["appid"] = s.AppId,
            ["mchid"] = s.MchId,
            ["description"] = request.Description.Length <= 127 ? request.Description : request.Description[..127],
            ["out_trade_no"] = request.PaymentNumber,
            ["notify_url"] = request.NotifyUrl,
            ["amount"] = new JsonObject { ["total"] = Money.ToCents(request.Amount), ["currency"] = request.Currency },
        };
        string path;
        switch (channel)
        {
            case "jsapi" or "miniprogram":
                if (!request.ClientParameters.TryGetValue("openid", out var openId) || string.IsNullOrWhiteSpace(openId))
                    throw new MallValidationException("parameters.openid", "is required to pay with WeChat Pay in a WeChat page or mini-program.");
                body["payer"] = new JsonObject { ["openid"] = openId.Trim() };
                path = "/v3/pay/transactions/jsapi";
                break;
            case "native":
                path = "/v3/pay/transactions/native";
                break;
            case "h5":
                body["scene_info"] = new JsonObject
                {
                    ["payer_client_ip"] = request.ClientParameters.TryGetValue("clientIp", out var ip) ? ip : "127.0.0.1",
                    ["h5_info"] = new JsonObject { ["type"] = "Wap" },
                };
                path = "/v3/pay/transactions/h5";
                break;
            default:
                throw new MallValidationException("parameters.channel", "is native, jsapi, miniprogram or h5.");
        }
        var answer = await SendAsync(s, HttpMethod.Post, path, body.ToJsonString(), cancellationToken).ConfigureAwait(false);
        return channel switch
        {
            "native" => new PaymentAction(PaymentActionKind.QrCode, QrCode: Field(answer, "code_url")),
            "h5" => new PaymentAction(PaymentActionKind.Redirect, Url: Field(answer, "h5_url")),
            _ => new PaymentAction(PaymentActionKind.ClientParameters, Parameters: SignJsapi(s, Field(answer, "prepay_id"))),
        };
    }

    /// <inheritdoc />
    public Task<PaymentNotification?> VerifyNotificationAsync(ProviderNotification notification, CancellationToken cancellationToken)
    {
        var s = Configured();
        string Header(string name) => notification.Headers.TryGetValue(name, out var value) ? value : "";
        var timestamp = Header("Wechatpay-Timestamp");
        if (!VerifySignature(s, Header("Wechatpay-Serial"), timestamp, Header("Wechatpay-Nonce"), Header("Wechatpay-Signature"), notification.Body, "notification"))
            return Task.FromResult<PaymentNotification?>(null);
        // A captured copy replayed later is refused even though its signature is good.
        if (!Fresh(timestamp, s.NotificationMaxAgeSeconds))
        {
            logger.LogWarning("A WeChat Pay notification timestamped {Timestamp} is outside the accepted window.", timestamp);
            return Task.FromResult<PaymentNotification?>(null);
        }

        var envelope = JsonNode.Parse(notification.Body)!.AsObject();
        var resource = envelope["resource"]!.AsObject();
        if ((string?)resource["algorithm"] != "AEAD_AES_256_GCM") return Task.FromResult<PaymentNotification?>(null);
        string plain;
        try
        {
            plain = WeChatPayCrypto.DecryptResource(s.ApiV3Key, (string)resource["nonce"]!, (string?)resource["associated_data"], (string)resource["ciphertext"]!);
        }
        catch (CryptographicException ex)
        {
            logger.LogWarning(ex, "A WeChat Pay notification resource could not be decrypted.");
            return Task.FromResult<PaymentNotification?>(null);
        }
        var content = JsonNode.Parse(plain)!.AsObject();
        // An empty or missing id is passed on as empty: the ledger then identifies the event by what it says.
        var eventId = (string?)envelope["id"] ?? "";
        var eventType = (string?)envelope["event_type"] ?? "";
        if ((string?)content["mchid"] != s.MchId)
        {
            logger.LogWarning("A WeChat Pay notification for another merchant was ignored.");
            return Task.FromResult<PaymentNotification?>(null);
        }
        var amount = content["amount"]!.AsObject();
        var total = Money.FromCents((long)amount["total"]!);
        var currency = (string?)amount["currency"] ?? "CNY";

        // Refund notices (REFUND.SUCCESS / REFUND.ABNORMAL / REFUND.CLOSED) carry a refund resource, which has no appid.
        if (eventType.StartsWith("REFUND.", StringComparison.Ordinal) || content.ContainsKey("out_refund_no"))
        {
            var refundKind = (string?)content["refund_status"] switch
            {
                "SUCCESS" => PaymentEventKind.Refunded,
                "CLOSED" or "ABNORMAL" => PaymentEventKind.RefundFailed,
                var other => throw new FormatException($"unexpected refund_status '{other}'"),
            };
            return Task.FromResult<PaymentNotification?>(new PaymentNotification(eventId, (string?)content["out_trade_no"] ?? "", refundKind, total, currency,
                (string?)content["transaction_id"] ?? "")
            {
                Refund = new RefundNotice((string?)content["out_refund_no"], amount["refund"] is { } refunded ? Money.FromCents((long)refunded) : null, null, (string?)content["refund_id"]),
            });
        }
        if ((string?)content["appid"] != s.AppId)
        {
            logger.LogWarning("A WeChat Pay notification for another app was ignored.");
            return Task.FromResult<PaymentNotification?>(null);
        }
        var kind = (string?)content["trade_state"] switch
        {
            "SUCCESS" => PaymentEventKind.Captured,
            "PAYERROR" or "CLOSED" or "REVOKED" => PaymentEventKind.Failed,
            "REFUND" => PaymentEventKind.Refunded,
            var other => throw new FormatException($"unexpected trade_state '{other}'"),
        };
        return Task.FromResult<PaymentNotification?>(new PaymentNotification(
            eventId, (string?)content["out_trade_no"] ?? "", kind, total, currency, (string?)content["transaction_id"] ?? ""));
    }

    /// <inheritdoc />
    public NotificationAnswer Answer(bool accepted, string message) => accepted
        ? new NotificationAnswer(200, "application/json", """{"code":"SUCCESS","message":"成功"}""")
        : new NotificationAnswer(400, "application/json", JsonSerializer.Serialize(new { code = "FAIL", message }));

    /// <inheritdoc />
    public async Task<ProviderRefundResult> RefundAsync(ProviderRefundRequest request, CancellationToken cancellationToken)
    {
        var s = Configured();
        var body = new JsonObject
        {
            ["out_trade_no"] = request.PaymentNumber,
            ["out_refund_no"] = request.RefundNumber,
            ["reason"] = request.Reason.Length <= 80 ? request.Reason : request.Reason[..80],
            ["amount"] = new JsonObject { ["refund"] = Money.ToCents(request.Amount), ["total"] = Money.ToCents(request.PaymentAmount), ["currency"] = request.Currency },
        };
        try
        {
            var answer = await SendAsync(s, HttpMethod.Post, "/v3/refund/domestic/refunds", body.ToJsonString(), cancellationToken).ConfigureAwait(false);
            // PROCESSING: accepted, the money follows (the same out_refund_no never refunds twice at WeChat Pay).
            return (string?)answer["status"] is "SUCCESS" or "PROCESSING"
                ? new ProviderRefundResult(true, (string?)answer["refund_id"], null)
                : new ProviderRefundResult(false, (string?)answer["refund_id"], $"refund status {(string?)answer["status"]}");
        }
        catch (WeChatPayException ex)
        {
            return new ProviderRefundResult(false, null, ex.Message);
        }
    }

    /// <inheritdoc />
    public async Task<PaymentNotification?> QueryAsync(PaymentQuery query, CancellationToken cancellationToken)
    {
        var s = Configured();
        var answer = await SendAsync(s, HttpMethod.Get, $"/v3/pay/transactions/out-trade-no/{Uri.EscapeDataString(query.PaymentNumber)}?mchid={Uri.EscapeDataString(s.MchId)}", "", cancellationToken).ConfigureAwait(false);
        PaymentEventKind? kind = (string?)answer["trade_state"] switch
        {
            "SUCCESS" => PaymentEventKind.Captured,
            "CLOSED" or "PAYERROR" or "REVOKED" => PaymentEventKind.Failed,
            _ => null,   // NOTPAY, USERPAYING: nothing has happened yet
        };
        if (kind is null) return null;
        var amount = answer["amount"]?.AsObject();
        return new PaymentNotification("", (string)answer["out_trade_no"]!, kind.Value, Money.FromCents((long?)amount?["total"] ?? 0),
            (string?)amount?["currency"] ?? "CNY", (string?)answer["transaction_id"] ?? "");
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private IReadOnlyDictionary<string, string> SignJsapi(WeChatPaySettings s, string prepayId)
    {
        // Keys are parsed per call (microseconds beside a gateway round trip), so a settings change applies at once.
        using var key = WeChatPayCrypto.PrivateKey(s.MerchantPrivateKey);
        return WeChatPayCrypto.JsapiParameters(key, s.AppId, prepayId, clock.GetUtcNow().ToUnixTimeSeconds(), WeChatPayCrypto.NewNonce());
    }

    /// <summary>Sends a signed API v3 request and returns the verified JSON answer.</summary>
    private async Task<JsonObject> SendAsync(WeChatPaySettings s, HttpMethod method, string path, string body, CancellationToken cancellationToken)
    {
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
        using var message = new HttpRequestMessage(method, s.GatewayUrl.TrimEnd('/') + path);
        using (var key = WeChatPayCrypto.PrivateKey(s.MerchantPrivateKey))
            message.Headers.TryAddWithoutValidation("Authorization", WeChatPayCrypto.Authorization(key, s.MchId, s.MerchantSerialNo, method.Method, path, body, timestamp, WeChatPayCrypto.NewNonce()));
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        message.Headers.UserAgent.ParseAdd("Mall-WeChatPay/1.0");
        if (method != HttpMethod.Get) message.Content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await _http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        // The status first, as the official SDKs do: an error answer (401 SIGN_ERROR, 400 PARAM_ERROR…) is often not
        // signed, and what it says is only reported, never acted on.
        if (!response.IsSuccessStatusCode)
        {
            var error = TryParseObject(text);
            throw new WeChatPayException($"WeChat Pay refused {path}: {(int)response.StatusCode} {(string?)error?["code"]} {(string?)error?["message"]}".TrimEnd());
        }
        string Header(string name) => response.Headers.TryGetValues(name, out var values) ? values.First() : "";
        var signedAt = Header("Wechatpay-Timestamp");
        if (!VerifySignature(s, Header("Wechatpay-Serial"), signedAt, Header("Wechatpay-Nonce"), Header("Wechatpay-Signature"), text, "response"))
            throw new WeChatPayException($"The answer to {path} is not signed by the platform ({(int)response.StatusCode}).");
        // A signed answer replayed from the past is refused like a replayed notification.
        if (!Fresh(signedAt, s.NotificationMaxAgeSeconds))
            throw new WeChatPayException($"The answer to {path} is timestamped {signedAt}, outside the accepted {s.NotificationMaxAgeSeconds} s.");
        return text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!.AsObject();
    }

    private bool Fresh(string timestamp, int maxAgeSeconds) =>
        long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) &&
        Math.Abs(clock.GetUtcNow().ToUnixTimeSeconds() - seconds) <= maxAgeSeconds;

    private static JsonObject? TryParseObject(string text)
    {
        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private bool VerifySignature(WeChatPaySettings s, string serial, string timestamp, string nonce, string signature, string body, string what)
    {
        // WeChat Pay rotates its platform certificates: every configured one (by serial) is accepted.
        if (s.PlatformKey(serial) is not { } pem)
        {
            logger.LogWarning("A WeChat Pay {What} signed with serial '{Serial}' (configured: {Expected}) was refused.", what, serial, string.Join(", ", s.PlatformKeys().Keys));
            return false;
        }
        using var platform = WeChatPayCrypto.PublicKey(pem);
        if (timestamp.Length == 0 || nonce.Length == 0 || signature.Length == 0 ||
            !WeChatPayCrypto.Verify(platform, WeChatPayCrypto.ResponseMessage(timestamp, nonce, body), signature))
        {
            logger.LogWarning("A WeChat Pay {What} failed signature verification.", what);
            return false;
        }
        return true;
    }

    private WeChatPaySettings Configured()
    {
        var s = settings.Get<WeChatPaySettings>();
        if (string.IsNullOrEmpty(s.MchId) || string.IsNullOrEmpty(s.AppId) || string.IsNullOrEmpty(s.MerchantPrivateKey) || string.IsNullOrEmpty(s.MerchantSerialNo) ||
            string.IsNullOrEmpty(s.ApiV3Key) || s.PlatformKeys().Count == 0)
            throw new MallConflictException("WeChat Pay is not configured: set mchId, appId, merchantSerialNo, merchantPrivateKey, apiV3Key and platformSerialNo with platformCertificate (or platformCertificates) in the plugin's settings.")
            { Code = "payment.not_configured" };
        return s;
    }

    private static string Field(JsonObject answer, string name) =>
        (string?)answer[name] is { Length: > 0 } value ? value : throw new WeChatPayException($"WeChat Pay's answer has no {name}.");
}

/// <summary>Refuses WeChat Pay settings that cannot work, when they are saved: keys and certificates that do not parse, an API v3 key that is not 32 bytes.</summary>
public sealed class WeChatPaySettingsValidator : IPluginSettingsValidator
{
    /// <inheritdoc />
    public void Validate(JsonObject values, ValidationErrors errors)
    {
        var s = values.Deserialize<WeChatPaySettings>(JsonSerializerOptions.Web) ?? new WeChatPaySettings();
        if (s.ApiV3Key.Length > 0 && Encoding.UTF8.GetByteCount(s.ApiV3Key) != 32) errors.Add("apiV3Key", "must be the 32-character API v3 key (APIv3密钥).");
        if (s.MerchantPrivateKey.Length > 0 && Problem(() => WeChatPayCrypto.PrivateKey(s.MerchantPrivateKey)) is { } p1) errors.Add("merchantPrivateKey", $"is not an RSA private key in PEM (apiclient_key.pem): {p1}");
        foreach (var (serial, pem) in s.PlatformKeys())
            if (Problem(() => WeChatPayCrypto.PublicKey(pem)) is { } p2)
                errors.Add(serial == s.PlatformSerialNo && pem == s.PlatformCertificate ? "platformCertificate" : $"platformCertificates.{serial}", $"is not a platform certificate or WeChat Pay public key in PEM: {p2}");
        if (s.PlatformCertificate.Length > 0 && s.PlatformSerialNo.Length == 0) errors.Add("platformSerialNo", "is required with platformCertificate (the serial WeChat Pay signs with).");
        if (!Uri.TryCreate(s.GatewayUrl, UriKind.Absolute, out var gateway) || gateway.Scheme is not ("https" or "http")) errors.Add("gatewayUrl", "must be an absolute http(s) URL.");
        if (s.NotificationMaxAgeSeconds is < 30 or > 3600) errors.Add("notificationMaxAgeSeconds", "must be between 30 and 3600.");
    }

    private static string? Problem(Func<IDisposable> parse)
    {
        try
        {
            parse().Dispose();
            return null;
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException or FormatException)
        {
            return ex.Message;
        }
    }
}

/// <summary>WeChat Pay refused a request or answered something unexpected.</summary>
public sealed class WeChatPayException(string message) : Exception(message);
