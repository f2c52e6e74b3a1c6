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
    /// <summary>Notifications older or newer than this (by <c>Wechatpay-Timestamp</c>) are refused as replays.</summary>
    public int NotificationMaxAgeSeconds { get; set; } = 300;
}
