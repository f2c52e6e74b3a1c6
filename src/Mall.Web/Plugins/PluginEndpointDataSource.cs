using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Primitives;

namespace Mall.Web.Plugins;

/// <summary>
/// The routes of enabled plugins, swapped as a whole when a plugin changes. The host's endpoints hold only the route,
/// HTTP methods and authorization of a plugin endpoint, never its delegate or types: a request is forwarded to the
/// plugin version live at that moment, so an upgrade switches versions between two requests and the old version
/// is not kept alive by the router.
/// </summary>
internal sealed class PluginEndpointDataSource : EndpointDataSource
{
    private readonly Lock _gate = new();
    private IReadOnlyList<Endpoint> _endpoints = [];
    private CancellationTokenSource _changed = new();

    public override IReadOnlyList<Endpoint> Endpoints => Volatile.Read(ref _endpoints);

    public override IChangeToken GetChangeToken()
    {
        lock (_gate) return new CancellationChangeToken(_changed.Token);
    }

    public void Replace(IReadOnlyList<Endpoint> endpoints)
    {
        CancellationTokenSource previous;
        lock (_gate)
        {
            Volatile.Write(ref _endpoints, endpoints);
            previous = _changed;
            _changed = new CancellationTokenSource();
        }
        previous.Cancel();
        previous.Dispose();
    }

    /// <summary>The host endpoint for one plugin route: its pattern and safe metadata, forwarding to <paramref name="invoke"/>.</summary>
    public static RouteEndpoint HostEndpoint(string pluginId, string key, RouteEndpoint pluginEndpoint, Func<HttpContext, string, string, Task> invoke)
    {
        var metadata = new List<object>();
        foreach (var item in pluginEndpoint.Metadata)
        {
            // Only framework types: anything of the plugin's would pin its load context in the router.
            if (item.GetType().Assembly.IsCollectible) continue;
            if (item is IHttpMethodMetadata or IAuthorizeData or AuthorizationPolicy or IAllowAnonymous or IRequestSizeLimitMetadata or ITagsMetadata)
                metadata.Add(item);
            // The media types it takes (so that a wrong Content-Type is a 415, as on the host's own routes), without the
            // request type, which is the plugin's; the strings are copied so that nothing of the plugin's is held.
            else if (item is IAcceptsMetadata { ContentTypes.Count: > 0 } accepts)
                metadata.Add(new AcceptsMetadata(accepts.ContentTypes.Select(t => new string(t.AsSpan())).ToArray(), null, accepts.IsOptional));
        }
        metadata.Add(new PluginEndpointMetadata(pluginId));
        // Plugin endpoints are not in the OpenAPI document: its schema caches are keyed by type and would pin the plugin.
        metadata.Add(new ExcludeFromDescriptionAttribute());
        // Parsed again from its text so that the router holds no pattern object the plugin made.
        var pattern = pluginEndpoint.RoutePattern.RawText is { } raw ? RoutePatternFactory.Parse(raw) : pluginEndpoint.RoutePattern;
        return new RouteEndpoint(context => invoke(context, pluginId, key), pattern, pluginEndpoint.Order,
            new EndpointMetadataCollection(metadata), $"Plugin {pluginId}: {key}");
    }

    /// <summary>
    /// What the router knows of a host endpoint: its key and copied metadata. When an upgrade keeps every signature,
    /// the route table stays as it is and only the live version behind it changes.
    /// </summary>
    public static string SignatureOf(Endpoint endpoint) =>
        endpoint.DisplayName + "|" + string.Join("|", endpoint.Metadata.Where(m => m is not PluginEndpointMetadata).Select(m => $"{m.GetType().Name}:{m}"));

    /// <summary>Key of a plugin endpoint, stable across versions: methods and route.</summary>
    public static string KeyOf(RouteEndpoint endpoint) =>
        $"{string.Join(",", endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Order(StringComparer.Ordinal).ToArray() ?? ["*"])} {endpoint.RoutePattern.RawText}";
}

/// <summary>Marks a host endpoint that forwards to a plugin.</summary>
/// <param name="PluginId">The plugin serving it.</param>
internal sealed record PluginEndpointMetadata(string PluginId);

/// <summary>The route builder a plugin maps its endpoints on: the plugin's services, a private list of data sources.</summary>
internal sealed class PluginRouteBuilder(IServiceProvider services) : IEndpointRouteBuilder
{
    public IServiceProvider ServiceProvider { get; } = services;

    public ICollection<EndpointDataSource> DataSources { get; } = new List<EndpointDataSource>();

    public IApplicationBuilder CreateApplicationBuilder() => new ApplicationBuilder(ServiceProvider);
}

/// <summary>
/// Caches the endpoints of one of the host's data sources. ASP.NET Core re-reads every data source when any of them
/// changes, and route groups build their endpoints anew on each read (compiling every handler again): without
/// this, each plugin change would cost the host a rebuild of all its own endpoints.
/// </summary>
internal sealed class CachedEndpointDataSource : EndpointDataSource
{
    private readonly EndpointDataSource _inner;
    private readonly Lock _gate = new();
    private IReadOnlyList<Endpoint>? _endpoints;
    private CancellationTokenSource _changed = new();

    public CachedEndpointDataSource(EndpointDataSource inner)
    {
        _inner = inner;
        ChangeToken.OnChange(inner.GetChangeToken, OnInnerChanged);
    }

    public override IReadOnlyList<Endpoint> Endpoints
    {
        get
        {
            lock (_gate) return _endpoints ??= _inner.Endpoints;
        }
    }

    public override IReadOnlyList<Endpoint> GetGroupedEndpoints(RouteGroupContext context) => _inner.GetGroupedEndpoints(context);

    public override IChangeToken GetChangeToken()
    {
        lock (_gate) return new CancellationChangeToken(_changed.Token);
    }

    private void OnInnerChanged()
    {
        CancellationTokenSource previous;
        lock (_gate)
        {
            _endpoints = null;
            previous = _changed;
            _changed = new CancellationTokenSource();
        }
        previous.Cancel();
        previous.Dispose();
    }
}
