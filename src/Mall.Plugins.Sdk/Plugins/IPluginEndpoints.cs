using Microsoft.AspNetCore.Routing;

namespace Mall.Plugins;

/// <summary>
/// Implemented by a plugin's <see cref="MallPlugin"/> class to serve HTTP endpoints while it is enabled. Map them as
/// usual (<c>MapGet</c>, <c>MapGroup</c>, <c>RequireAuthorization</c>…); handler parameters are resolved from the
/// plugin's own services, which reach the host's. Endpoints leave with the plugin, and an upgrade switches them
/// to the new version without failing a request in flight.
/// </summary>
public interface IPluginEndpoints
{
    /// <summary>Maps the plugin's endpoints. Called once per load of the plugin.</summary>
    void MapEndpoints(IEndpointRouteBuilder endpoints);
}
