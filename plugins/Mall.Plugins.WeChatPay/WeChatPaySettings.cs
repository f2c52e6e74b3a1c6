namespace Mall.Plugins.WeChatPay;

/// <summary>The merchant's WeChat Pay configuration (plugin settings; defaults in plugin.json).</summary>
public sealed class WeChatPaySettings
{
    /// <summary>API base URL; the production one by default (a test points it at a local gateway).</summary>
    public string GatewayUrl { get; set; } = "https://api.mch.weixin.qq.com";
    /// <summary>Merchant id (商户号).</summary>
    public string MchId { get; set; } = "";
    /// <summary>The AppID the payments are for (公众号 / 小程序 / App).</summary>
    public string AppId { get; set; } = "";
    /// <summary>Serial number of the merchant API certificate (商户API证书序列号).</summary>
    public string MerchantSerialNo { get; set; } = "";
    /// <summary>The merchant API private key, PEM (<c>apiclient_key.pem</c>).</summary>
    public string MerchantPrivateKey { get; set; } = "";
    /// <summary>The API v3 key (32 characters) that encrypts notification resources.</summary>
    public string ApiV3Key { get; set; } = "";
    /// <summary>Serial of the platform certificate or WeChat Pay public key id (<c>Wechatpay-Serial</c> must match).</summary>
    public string PlatformSerialNo { get; set; } = "";
    /// <summary>The platform certificate or WeChat Pay public key, PEM: verifies responses and notifications.</summary>
    public string PlatformCertificate { get; set; } = "";
    /// <summary>
    /// More platform certificates or WeChat Pay public keys, by serial (<c>Wechatpay-Serial</c>) → PEM: WeChat Pay
    /// rotates its certificates and signs with the new one while the old is still valid, so configure both over a
    /// rotation. Used besides <see cref="PlatformSerialNo"/> / <see cref="PlatformCertificate"/>.
    /// </summary>
    public Dictionary<string, string> PlatformCertificates { get; set; } = [];
    /// <summary>Notifications and API answers older or newer than this (by <c>Wechatpay-Timestamp</c>) are refused as replays.</summary>
    public int NotificationMaxAgeSeconds { get; set; } = 300;

    /// <summary>Every configured platform key, by serial (as <see cref="Serial"/> writes it).</summary>
    public IReadOnlyDictionary<string, string> PlatformKeys()
    {
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (serial, pem) in PlatformCertificates)
            if (!string.IsNullOrWhiteSpace(serial) && !string.IsNullOrWhiteSpace(pem)) keys[Serial(serial)] = pem;
        if (PlatformSerialNo.Length > 0 && PlatformCertificate.Length > 0) keys[Serial(PlatformSerialNo)] = PlatformCertificate;
        return keys;
    }

    /// <summary>The platform key that signs with <paramref name="serial"/>, or null.</summary>
    public string? PlatformKey(string serial) => serial.Length > 0 && PlatformKeys().TryGetValue(Serial(serial), out var pem) ? pem : null;

    /// <summary>
    /// A certificate serial as one spelling: upper case, no leading zeros (WeChat Pay writes <c>D7CE59D1F522D701</c>
    /// where .NET and some tools write the DER form <c>00D7CE59D1F522D701</c>). Public-key ids are left as they are.
    /// </summary>
    public static string Serial(string serial)
    {
        var trimmed = serial.Trim();
        if (trimmed.Length == 0 || !trimmed.All(char.IsAsciiHexDigit)) return trimmed;
        trimmed = trimmed.TrimStart('0').ToUpperInvariant();
        return trimmed.Length == 0 ? "0" : trimmed;
    }
}
