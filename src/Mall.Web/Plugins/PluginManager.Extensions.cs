using Mall.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mall.Web.Plugins;

/// <summary>The extension registry: what the core and requests see of the live plugins (leases on their services), and their failures.</summary>
internal sealed partial class PluginManager
{
    /// <inheritdoc />
    public ExtensionLease<T> Acquire<T>() where T : class
    {
        var items = new List<Extension<T>>();
        foreach (var service in _host.GetServices<T>()) items.Add(new Extension<T>(service, null));
        List<PluginGeneration>? held = null;
        foreach (var generation in Live.Values)
        {
            if (!generation.TryAcquire()) continue;
            object[] contributed;
            try
            {
                contributed = generation.ExtensionsOf(typeof(T));
            }
            catch (Exception ex)
            {
                generation.Release();
                ReportFailure(generation.Manifest.Id, ex);
                continue;
            }
            if (contributed.Length == 0)
            {
                generation.Release();
                continue;
            }
            foreach (var item in contributed) items.Add(new Extension<T>((T)item, generation.Manifest.Id));
            (held ??= []).Add(generation);
        }
        return new ExtensionLease<T>(items, held is null ? null : new Releaser(held));
    }

    /// <inheritdoc />
    public void ReportFailure(string pluginId, Exception exception)
    {
        _logger.LogError(exception, "Plugin {PluginId} failed.", pluginId);
        // Recorded at most once a second per plugin: a plugin failing on every request must not add a write to each.
        var now = Environment.TickCount64;
        var last = _lastRecorded.GetOrAdd(pluginId, 0);
        if (now - last >= 1000 && _lastRecorded.TryUpdate(pluginId, now, last)) _ = RecordErrorAsync(pluginId, exception.Message);
    }

    private async Task RecordErrorAsync(string pluginId, string message)
    {
        try
        {
            await _repository.RecordErrorAsync(pluginId, message, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Could not record the error of plugin {PluginId}.", pluginId);
        }
    }

    private sealed class Releaser(List<PluginGeneration> held) : IDisposable
    {
        public void Dispose()
        {
            foreach (var generation in held) generation.Release();
        }
    }
}
