using Mall.Plugins;
using Microsoft.Extensions.Logging;

namespace Mall.Web.Plugins;

/// <summary>
/// Several nodes: packages are kept in the database (<c>mall_plugin_package</c>) and every lifecycle operation tells
/// the other nodes (cluster topic <see cref="ClusterTopic"/>), which then bring their live set to what the database
/// says. The node where an operation ran has run its hooks and migrations; the others only load or unload. A node
/// that missed a message catches up at its next periodic sync (<see cref="MallPluginOptions.SyncInterval"/>).
/// </summary>
internal sealed partial class PluginManager
{
    /// <summary>The cluster topic plugin changes are announced on.</summary>
    public const string ClusterTopic = "mall.plugins";

    private async Task KeepPackageAsync(PluginManifest manifest, CancellationToken cancellationToken) =>
        await _repository.SavePackageAsync(manifest.Id, manifest.Version, _store.Pack(manifest.Id, manifest.Version), cancellationToken).ConfigureAwait(false);

    /// <summary>Unpacks every package the database keeps and this node lacks.</summary>
    private async Task FetchPackagesAsync(CancellationToken cancellationToken)
    {
        var local = _store.List().Select(m => (m.Id, m.Version)).ToHashSet();
        foreach (var (id, version, _) in await _repository.ListPackagesAsync(cancellationToken).ConfigureAwait(false))
        {
            if (local.Contains((id, version))) continue;
            var content = await _repository.LoadPackageAsync(id, version, cancellationToken).ConfigureAwait(false);
            if (content is null) continue;
            try
            {
                using var stream = new MemoryStream(content, writable: false);
                await _store.StageZipAsync(stream, _ => { }, cancellationToken).ConfigureAwait(false);
                _logger.LogInformation("Plugin package {PluginId} {Version} fetched from the database.", id, version);
            }
            catch (Common.MallException ex)
            {
                _logger.LogError("Plugin package {PluginId} {Version} in the database cannot be unpacked: {Message}", id, version, ex.Message);
            }
        }
    }

    /// <summary>
    /// Brings this node's live plugins to the database's state: fetches missing packages, loads what is enabled there
    /// (or its newer version), unloads what is not, applies saved settings. Runs no hooks and no migrations (the node
    /// that made the change ran them).
    /// </summary>
    public Task SyncAsync(CancellationToken cancellationToken) =>
        ExclusiveAsync(async () =>
        {
            await FetchPackagesAsync(cancellationToken).ConfigureAwait(false);
            var records = (await _repository.ListAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(r => r.Id);
            // Down first (dependents before what they need), then up (dependencies first).
            foreach (var (id, generation) in Live.OrderByDescending(g => g.Value.Manifest.Dependencies.Count))
            {
                if (records.TryGetValue(id, out var record) && record.State == PluginState.Enabled) continue;
                if (generation.Manifest.RequiresRestart) continue;
                await TakeDownAsync(id, runDisableHook: false, cancellationToken).ConfigureAwait(false);
                _logger.LogInformation("Plugin {PluginId} stopped here: it was disabled on another node.", id);
            }
            foreach (var record in records.Values.Where(r => r.State == PluginState.Enabled).OrderBy(r => _store.Find(r.Id, r.Version)?.Dependencies.Count ?? 0))
            {
                var manifest = _store.Find(record.Id, record.Version);
                if (manifest is null || manifest.RequiresRestart) continue;
                Live.TryGetValue(record.Id, out var live);
                if (live is not null && live.Manifest.Version == record.Version)
                {
                    live.Settings.Set(record.Settings ?? []);
                    continue;
                }
                try
                {
                    var generation = await LoadAsync(manifest, record.Settings, cancellationToken).ConfigureAwait(false);
                    try
                    {
                        CheckRoutes(generation, except: record.Id);
                        await generation.StartHostedServicesAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch
                    {
                        await generation.RetireAsync(CancellationToken.None).ConfigureAwait(false);
                        await UnloadAsync(generation).ConfigureAwait(false);
                        throw;
                    }
                    Publish(Live.SetItem(record.Id, generation));
                    if (live is not null) await RetireAndUnloadAsync(live, runDisableHook: false).ConfigureAwait(false);
                    _logger.LogInformation("Plugin {PluginId} {Version} serving here: it was enabled or upgraded on another node.", record.Id, record.Version);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // This node only: the plugin's state stays what the node that changed it recorded.
                    _logger.LogError(ex, "Plugin {PluginId} {Version} could not be brought up on this node.", record.Id, record.Version);
                }
            }
            return true;
        }, cancellationToken);
}
