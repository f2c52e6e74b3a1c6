using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mall.Plugins;

/// <summary>The registry without a plugin host: the host container's implementations only.</summary>
public sealed class HostExtensionRegistry(IServiceProvider services, ILogger<HostExtensionRegistry> logger) : IExtensionRegistry
{
    /// <inheritdoc />
    public ExtensionLease<T> Acquire<T>() where T : class =>
        new(services.GetServices<T>().Select(s => new Extension<T>(s, null)).ToList(), null);

    /// <inheritdoc />
    public void ReportFailure(string pluginId, Exception exception) =>
        logger.LogError(exception, "Extension of plugin {PluginId} failed.", pluginId);
}
