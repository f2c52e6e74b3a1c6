namespace Mall.Plugins.ErpSync.Signing;

/// <summary>
/// How calls between the mall and an ERP are framed and signed, both ways: the mall's calls to the ERP (push an
/// order, query stock) and the ERP's calls to the mall (confirm a shipment). The plugin ships the TOP-style sorted
/// parameters scheme most Chinese ERP open platforms use (<see cref="TopSignatureScheme"/>, MD5 or HMAC) and a plain
/// JSON API signed with HMAC-SHA256 (<see cref="HmacJsonSignatureScheme"/>); another ERP's scheme is one more
/// implementation, registered in the plugin's services.
/// </summary>
public interface IErpSignatureScheme
{
    /// <summary>The name settings choose it by (<see cref="ErpSettings.Scheme"/>), e.g. <c>top-md5</c>.</summary>
    string Name { get; }

    /// <summary>A signed request calling <paramref name="method"/> with <paramref name="body"/> (a JSON document).</summary>
    /// <param name="baseUrl">The ERP's API base URL.</param>
    /// <param name="method">The API method, e.g. <c>erp.order.push</c>.</param>
    /// <param name="body">The business payload, JSON.</param>
    /// <param name="credentials">The store's app key and secret.</param>
    /// <param name="now">The time to sign with.</param>
    HttpRequestMessage CreateRequest(Uri baseUrl, string method, string body, ErpCredentials credentials, DateTimeOffset now);

    /// <summary>
    /// Checks an inbound call: the app key, the signature over everything signed, and the timestamp (within
    /// <paramref name="maxAge"/> of <paramref name="now"/>, so a captured call cannot be replayed later).
    /// </summary>
    /// <returns>The method called and its payload.</returns>
    /// <exception cref="ErpSignatureException">Unsigned, forged, for another app key, or stale.</exception>
    ErpInboundCall Verify(ErpInboundRequest request, ErpCredentials credentials, DateTimeOffset now, TimeSpan maxAge);
}

/// <summary>The store's credentials at the ERP.</summary>
/// <param name="AppKey">App key.</param>
/// <param name="AppSecret">App secret.</param>
public sealed record ErpCredentials(string AppKey, string AppSecret);

/// <summary>An inbound HTTP call as a scheme needs it.</summary>
/// <param name="Parameters">Query and form parameters (form wins).</param>
/// <param name="Headers">Request headers (case-insensitive names).</param>
/// <param name="Body">The raw body, when it is not a form.</param>
public sealed record ErpInboundRequest(IReadOnlyDictionary<string, string> Parameters, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>A verified inbound call.</summary>
/// <param name="Method">The API method, e.g. <c>erp.shipment.confirm</c>.</param>
/// <param name="Body">Its JSON payload.</param>
public sealed record ErpInboundCall(string Method, string Body);

/// <summary>An inbound call is not signed as it must be: answered 401 with problem details (code <c>erp.signature</c>).</summary>
public sealed class ErpSignatureException : Mall.Common.MallException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong, for the caller (never the expected signature).</param>
    public ErpSignatureException(string message) : base(message) => Code = "erp.signature";

    /// <inheritdoc />
    public override int StatusCode => 401;

    /// <inheritdoc />
    public override string Title => "Not signed";
}

/// <summary>The schemes registered, by name.</summary>
public sealed class ErpSignatureSchemes(IEnumerable<IErpSignatureScheme> schemes)
{
    private readonly Dictionary<string, IErpSignatureScheme> _byName = schemes.ToDictionary(s => s.Name, StringComparer.Ordinal);

    /// <summary>Every scheme's name.</summary>
    public IReadOnlyCollection<string> Names => _byName.Keys;

    /// <summary>The scheme named <paramref name="name"/>, or null.</summary>
    public IErpSignatureScheme? Find(string? name) => name is not null && _byName.TryGetValue(name, out var scheme) ? scheme : null;
}
