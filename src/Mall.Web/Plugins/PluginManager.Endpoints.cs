using Autofac;
using Autofac.Extensions.DependencyInjection;
using Mall.Plugins;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Mall.Web.Plugins;

/// <summary>Endpoint dispatch: a request to a plugin route runs in the live version that owns it, held while it runs.</summary>
internal sealed partial class PluginManager
{
    /// <summary>Serves a request routed to a plugin endpoint with the plugin version live now.</summary>
    internal async Task InvokeEndpointAsync(HttpContext context, string pluginId, string key)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (!Live.TryGetValue(pluginId, out var generation)) break;
            // A generation retired between the read and the lease is being replaced: read again.
            if (!generation.TryAcquire())
            {
                await Task.Yield();
                continue;
            }
            try
            {
                if (!generation.Endpoints.TryGetValue(key, out var endpoint)) break;
                var original = context.RequestServices;
                // The request's services: the plugin's version scope for this request, over the host's root.
                await using var scope = generation.Scope.BeginLifetimeScope();
                context.RequestServices = new AutofacServiceProvider(scope);
                try
                {
                    await endpoint.Endpoint.RequestDelegate!(context).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    ReportFailure(pluginId, ex);
                    throw;
                }
                finally
                {
                    context.RequestServices = original;
                }
                return;
            }
            finally
            {
                generation.Release();
            }
        }
        await Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found",
            detail: $"Plugin {pluginId} does not serve this route any more.").ExecuteAsync(context).ConfigureAwait(false);
    }

    private static Dictionary<string, PluginEndpoint> BuildEndpoints(PluginGeneration generation, IPluginEndpoints endpoints)
    {
        var builder = new PluginRouteBuilder(generation.Services);
        endpoints.MapEndpoints(builder);
        var map = new Dictionary<string, PluginEndpoint>(StringComparer.Ordinal);
        foreach (var endpoint in builder.DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>())
        {
            var key = PluginEndpointDataSource.KeyOf(endpoint);
            if (!map.TryAdd(key, new PluginEndpoint(endpoint))) throw new InvalidOperationException($"The plugin maps '{key}' twice.");
        }
        return map;
    }

    private void CheckRoutes(PluginGeneration generation, string? except)
    {
        foreach (var other in Live.Values.Where(g => g.Manifest.Id != generation.Manifest.Id && g.Manifest.Id != except))
        {
            var clash = generation.Endpoints.Keys.FirstOrDefault(other.Endpoints.ContainsKey);
            if (clash is not null) throw new InvalidOperationException($"Route '{clash}' is served by plugin {other.Manifest.Id} already.");
        }
    }
}
