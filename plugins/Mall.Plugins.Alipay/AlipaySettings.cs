namespace Mall.Plugins.Alipay;

/// <summary>The merchant's Alipay configuration (plugin settings; defaults in plugin.json).</summary>
public sealed class AlipaySettings
{
    /// <summary>The OpenAPI gateway; production by default (a test points it at a local gateway).</summary>
    public string GatewayUrl { get; set; } = "https://openapi.alipay.com/gateway.do";
    /// <summary>The application's APPID.</summary>
    public string AppId { get; set; } = "";
    /// <summary>The application private key: PEM (PKCS #8 or PKCS #1) or the bare base64 Alipay's key tool gives; signs requests (RSA2).</summary>
    public string AppPrivateKey { get; set; } = "";
    /// <summary>The Alipay public key: PEM or the bare base64 Alipay's console shows; verifies answers and notifications.</summary>
    public string AlipayPublicKey { get; set; } = "";
    /// <summary>Where the cashier sends the shopper back after paying (optional).</summary>
    public string ReturnUrl { get; set; } = "";
}
