using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;

namespace Mall.Web.Hosting;

/// <summary>
/// Tells a request that reached the fallback because of its <c>Content-Type</c> from one for a route that does not
/// exist. Routing drops an endpoint whose accepted media types do not match and then picks the storefront's
/// catch-all, which would answer 404 ("wrong URL") to a JSON call sent as a form (curl's default) or an upload sent
/// without <c>application/zip</c>. Only consulted on the fallback path, so it costs a request nothing otherwise.
/// </summary>
internal sealed class UnsupportedMediaTypeProbe(EndpointDataSource endpoints)
{
    private readonly ConditionalWeakTable<RouteEndpoint, TemplateMatcher> _matchers = new();

    /// <summary>The media types an endpoint at this path and method accepts, when the request's content type is not one of them; else null.</summary>
    public IReadOnlyList<string>? ExpectedTypes(HttpContext http)
    {
        var method = http.Request.Method;
        foreach (var endpoint in endpoints.Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<IAcceptsMetadata>() is not { ContentTypes.Count: > 0 } accepts) continue;
            if (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>() is not { } methods || !methods.HttpMethods.Contains(method, StringComparer.OrdinalIgnoreCase)) continue;
            var matcher = _matchers.GetValue(endpoint, e => new TemplateMatcher(new RouteTemplate(e.RoutePattern), new RouteValueDictionary(e.RoutePattern.Defaults)));
            if (matcher.TryMatch(http.Request.Path, new RouteValueDictionary())) return accepts.ContentTypes;
        }
        return null;
    }
}
