using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Mall.Plugins.ErpSync.Signing;

/// <summary>
/// A plain JSON API: <c>POST {baseUrl}/api/{method}</c> with the payload as the body and four headers —
/// <c>X-Erp-App-Key</c>, <c>X-Erp-Timestamp</c> (Unix seconds), <c>X-Erp-Nonce</c> and <c>X-Erp-Signature</c>, the
/// Base64 HMAC-SHA256 with the app secret over <c>appKey \n timestamp \n nonce \n method \n body</c>. Inbound calls
/// name their method in <c>X-Erp-Method</c>.
/// </summary>
public sealed class HmacJsonSignatureScheme : IErpSignatureScheme
{
    /// <summary>The scheme's name.</summary>
    public const string SchemeName = "hmac-sha256";

    /// <inheritdoc />
    public string Name => SchemeName;

    /// <inheritdoc />
    public HttpRequestMessage CreateRequest(Uri baseUrl, string method, string body, ErpCredentials credentials, DateTimeOffset now)
    {
        var timestamp = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var nonce = RandomNumberGenerator.GetHexString(16, lowercase: true);
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl, "api/" + method)) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Erp-App-Key", credentials.AppKey);
        request.Headers.Add("X-Erp-Timestamp", timestamp);
        request.Headers.Add("X-Erp-Nonce", nonce);
        request.Headers.Add("X-Erp-Method", method);
        request.Headers.Add("X-Erp-Signature", Sign(credentials, timestamp, nonce, method, body));
        return request;
    }

    /// <inheritdoc />
    public ErpInboundCall Verify(ErpInboundRequest request, ErpCredentials credentials, DateTimeOffset now, TimeSpan maxAge)
    {
        string Header(string name) => request.Headers.TryGetValue(name, out var value) ? value : "";
        var signature = Header("X-Erp-Signature");
        if (signature.Length == 0) throw new ErpSignatureException("The call is not signed: X-Erp-Signature is missing.");
        if (!string.Equals(Header("X-Erp-App-Key"), credentials.AppKey, StringComparison.Ordinal)) throw new ErpSignatureException("X-Erp-App-Key is not this store's.");
        var timestamp = Header("X-Erp-Timestamp");
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > 253_402_300_799)
            throw new ErpSignatureException("X-Erp-Timestamp must be Unix seconds.");
        var method = Header("X-Erp-Method");
        var expected = Sign(credentials, timestamp, Header("X-Erp-Nonce"), method, request.Body);
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature)))
            throw new ErpSignatureException("The signature does not match the call.");
        if ((now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > maxAge)
            throw new ErpSignatureException($"The call is stale: its timestamp is more than {maxAge.TotalSeconds:0} s from now.");
        if (method.Length == 0) throw new ErpSignatureException("X-Erp-Method is missing.");
        return new ErpInboundCall(method, request.Body);
    }

    /// <summary>The signature of one call.</summary>
    public static string Sign(ErpCredentials credentials, string timestamp, string nonce, string method, string body) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(credentials.AppSecret),
            Encoding.UTF8.GetBytes($"{credentials.AppKey}\n{timestamp}\n{nonce}\n{method}\n{body}")));
}
