using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Mall.Plugins.ErpSync.Signing;

/// <summary>
/// The TOP-style scheme (淘宝开放平台 and the ERPs that copied it: 聚水潭, 旺店通, 管易…): every call is a form POST to
/// <c>{baseUrl}/router</c> with <c>method</c>, <c>app_key</c>, <c>timestamp</c> (<c>yyyy-MM-dd HH:mm:ss</c>, Beijing
/// time), <c>format=json</c>, <c>v=2.0</c>, <c>sign_method</c> and the payload as <c>biz</c>; <c>sign</c> is computed
/// over the other non-empty parameters sorted by name, each name followed by its value:
/// <c>MD5(secret + k1v1k2v2… + secret)</c> or <c>HMAC-MD5(secret, k1v1k2v2…)</c>, upper-case hex.
/// </summary>
public sealed class TopSignatureScheme : IErpSignatureScheme
{
    /// <summary>Name of the MD5 variant.</summary>
    public const string Md5Name = "top-md5";
    /// <summary>Name of the HMAC-MD5 variant.</summary>
    public const string HmacName = "top-hmac";

    private static readonly TimeSpan Beijing = TimeSpan.FromHours(8);
    private const string TimestampFormat = "yyyy-MM-dd HH:mm:ss";

    private readonly bool _hmac;

    /// <summary>The MD5 (<paramref name="hmac"/> false) or HMAC-MD5 variant.</summary>
    public TopSignatureScheme(bool hmac) => _hmac = hmac;

    /// <inheritdoc />
    public string Name => _hmac ? HmacName : Md5Name;

    /// <inheritdoc />
    public HttpRequestMessage CreateRequest(Uri baseUrl, string method, string body, ErpCredentials credentials, DateTimeOffset now)
    {
        var parameters = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["method"] = method,
            ["app_key"] = credentials.AppKey,
            ["timestamp"] = now.ToOffset(Beijing).ToString(TimestampFormat, CultureInfo.InvariantCulture),
            ["format"] = "json",
            ["v"] = "2.0",
            ["sign_method"] = _hmac ? "hmac" : "md5",
            ["biz"] = body,
        };
        parameters["sign"] = Sign(parameters, credentials.AppSecret, _hmac);
        return new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl, "router")) { Content = new FormUrlEncodedContent(parameters) };
    }

    /// <inheritdoc />
    public ErpInboundCall Verify(ErpInboundRequest request, ErpCredentials credentials, DateTimeOffset now, TimeSpan maxAge)
    {
        var p = request.Parameters;
        if (!p.TryGetValue("sign", out var sign) || sign.Length == 0) throw new ErpSignatureException("The call is not signed: the sign parameter is missing.");
        if (!p.TryGetValue("app_key", out var appKey) || !string.Equals(appKey, credentials.AppKey, StringComparison.Ordinal))
            throw new ErpSignatureException("app_key is not this store's.");
        if (!p.TryGetValue("sign_method", out var signMethod) || signMethod != (_hmac ? "hmac" : "md5"))
            throw new ErpSignatureException($"sign_method must be {(_hmac ? "hmac" : "md5")}.");
        if (!p.TryGetValue("timestamp", out var timestamp) ||
            !DateTime.TryParseExact(timestamp, TimestampFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            throw new ErpSignatureException($"timestamp must be {TimestampFormat} (Beijing time).");
        var signed = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in p)
            if (name != "sign") signed[name] = value;
        var expected = Sign(signed, credentials.AppSecret, _hmac);
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(sign.ToUpperInvariant())))
            throw new ErpSignatureException("The signature does not match the parameters.");
        // Checked after the signature, so a forged timestamp is reported as forged.
        var at = new DateTimeOffset(local, Beijing);
        if ((now - at).Duration() > maxAge) throw new ErpSignatureException($"The call is stale: its timestamp is more than {maxAge.TotalSeconds:0} s from now.");
        if (!p.TryGetValue("method", out var method) || method.Length == 0) throw new ErpSignatureException("method is missing.");
        return new ErpInboundCall(method, p.TryGetValue("biz", out var biz) ? biz : "");
    }

    /// <summary>The <c>sign</c> of <paramref name="parameters"/> (sorted by ordinal name; empty values are left out).</summary>
    public static string Sign(IEnumerable<KeyValuePair<string, string>> parameters, string secret, bool hmac)
    {
        var text = new StringBuilder();
        foreach (var (name, value) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
            if (value.Length > 0) text.Append(name).Append(value);
        var bytes = Encoding.UTF8.GetBytes(hmac ? text.ToString() : secret + text + secret);
        var hash = hmac ? HMACMD5.HashData(Encoding.UTF8.GetBytes(secret), bytes) : MD5.HashData(bytes);
        return Convert.ToHexString(hash);
    }
}
