using Microsoft.AspNetCore.Http;

namespace Mall.Web.Hosting;

/// <summary>
/// Absolute URLs on the mall's public address (<c>Mall:PublicBaseUrl</c>), for links a shopper shares or a gateway
/// calls back. Never built from an unchecked <c>Host</c> header.
/// </summary>
public interface IPublicUrls
{
    /// <summary>The absolute URL of <paramref name="path"/> (starting with <c>/</c>) on the mall's public address.</summary>
    string Absolute(HttpRequest request, string path);

    /// <summary>The mall's public base URL for this request, without a trailing slash.</summary>
    string BaseUrl(HttpRequest request);
}
