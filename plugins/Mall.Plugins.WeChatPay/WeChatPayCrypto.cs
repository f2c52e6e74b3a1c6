using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Mall.Plugins.WeChatPay;

/// <summary>
/// The cryptography of WeChat Pay API v3: SHA256-RSA request signatures (<c>WECHATPAY2-SHA256-RSA2048</c>),
/// verification of the platform's signatures on responses and notifications, AEAD_AES_256_GCM decryption of
/// notification resources, and JSAPI / mini-program pay-parameter signatures.
/// </summary>
public static class WeChatPayCrypto
{
    /// <summary>The authorization scheme of API v3 requests.</summary>
    public const string Scheme = "WECHATPAY2-SHA256-RSA2048";

    /// <summary>SHA256withRSA (PKCS #1 v1.5) of <paramref name="message"/>, base64.</summary>
    public static string Sign(RSA privateKey, string message) =>
        Convert.ToBase64String(privateKey.SignData(Encoding.UTF8.GetBytes(message), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

    /// <summary>Whether <paramref name="signature"/> (base64) is the platform's SHA256withRSA signature of <paramref name="message"/>.</summary>
    public static bool Verify(RSA publicKey, string message, string signature)
    {
        Span<byte> bytes = stackalloc byte[512];
        return Convert.TryFromBase64String(signature, bytes, out var length) &&
               publicKey.VerifyData(Encoding.UTF8.GetBytes(message), bytes[..length], HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    /// <summary>The message a request signature covers: method, path with query, timestamp, nonce and body, each followed by a newline.</summary>
    public static string RequestMessage(string method, string pathAndQuery, long timestamp, string nonce, string body) =>
        string.Create(CultureInfo.InvariantCulture, $"{method}\n{pathAndQuery}\n{timestamp}\n{nonce}\n{body}\n");

    /// <summary>The message a response or notification signature covers: timestamp, nonce and body, each followed by a newline.</summary>
    public static string ResponseMessage(string timestamp, string nonce, string body) => $"{timestamp}\n{nonce}\n{body}\n";

    /// <summary>The <c>Authorization</c> header value of a request.</summary>
    public static string Authorization(RSA merchantKey, string mchId, string serialNo, string method, string pathAndQuery, string body, long timestamp, string nonce) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{Scheme} mchid=\"{mchId}\",nonce_str=\"{nonce}\",signature=\"{Sign(merchantKey, RequestMessage(method, pathAndQuery, timestamp, nonce, body))}\",timestamp=\"{timestamp}\",serial_no=\"{serialNo}\"");

    /// <summary>
    /// Decrypts a notification resource: AES-GCM with the API v3 key (32 bytes for AEAD_AES_256_GCM; the SDKs' test
    /// vectors use 16-byte keys, which AES-GCM takes as AES-128), the resource's nonce and associated data; the
    /// ciphertext (base64) ends with the 16-byte tag.
    /// </summary>
    /// <exception cref="CryptographicException">The tag does not match (forged or damaged, or another key), or the input is malformed.</exception>
    public static string DecryptResource(string apiV3Key, string nonce, string? associatedData, string ciphertext)
    {
        var key = Encoding.UTF8.GetBytes(apiV3Key);
        if (key.Length is not (16 or 24 or 32)) throw new CryptographicException("The API v3 key must be 32 bytes.");
        var data = new byte[ciphertext.Length];
        if (!Convert.TryFromBase64String(ciphertext, data, out var length)) throw new CryptographicException("The ciphertext is not base64.");
        data = data[..length];
        if (data.Length < 16) throw new CryptographicException("The ciphertext is shorter than its tag.");
        var plain = new byte[data.Length - 16];
        using var aes = new AesGcm(key, 16);
        aes.Decrypt(Encoding.UTF8.GetBytes(nonce), data.AsSpan(0, plain.Length), data.AsSpan(plain.Length), plain, associatedData is null ? null : Encoding.UTF8.GetBytes(associatedData));
        return Encoding.UTF8.GetString(plain);
    }

    /// <summary>
    /// The parameters a JSAPI page or mini-program passes to <c>WeixinJSBridge.invoke('getBrandWCPayRequest')</c> /
    /// <c>wx.requestPayment</c>: <c>paySign</c> signs <c>appId, timeStamp, nonceStr, package</c>, each followed by a newline.
    /// </summary>
    public static IReadOnlyDictionary<string, string> JsapiParameters(RSA merchantKey, string appId, string prepayId, long timestamp, string nonce)
    {
        var package = $"prepay_id={prepayId}";
        var timeStamp = timestamp.ToString(CultureInfo.InvariantCulture);
        return new Dictionary<string, string>
        {
            ["appId"] = appId,
            ["timeStamp"] = timeStamp,
            ["nonceStr"] = nonce,
            ["package"] = package,
            ["signType"] = "RSA",
            ["paySign"] = Sign(merchantKey, $"{appId}\n{timeStamp}\n{nonce}\n{package}\n"),
        };
    }

    /// <summary>A random nonce of 32 letters and digits.</summary>
    public static string NewNonce() => RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 32);

    /// <summary>An RSA private key from PEM (PKCS #8 or PKCS #1).</summary>
    public static RSA PrivateKey(string pem)
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        return rsa;
    }

    /// <summary>An RSA public key from a PEM certificate (the platform certificate) or a PEM public key (the WeChat Pay public key).</summary>
    public static RSA PublicKey(string pem)
    {
        if (pem.Contains("BEGIN CERTIFICATE", StringComparison.Ordinal))
        {
            using var certificate = X509Certificate2.CreateFromPem(pem);
            return certificate.GetRSAPublicKey() ?? throw new CryptographicException("The platform certificate has no RSA key.");
        }
        var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        return rsa;
    }
}
