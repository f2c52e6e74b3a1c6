using Mall.Clustering;
using Mall.Common;
using Mall.Plugins;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mall.Web.Plugins;

/// <summary>
/// Restores the enabled plugins at start-up (after migrations), watches the drop folder while the host runs, and
/// unloads the plugins at shutdown.
/// </summary>
internal sealed class PluginHostedService(PluginManager manager, IClusterBus bus, IOptions<MallOptions> options, IHostEnvironment environment, ILogger<PluginHostedService> logger)
    : BackgroundService
{
    private readonly Dictionary<string, (long Size, DateTime Written)> _seen = new(StringComparer.Ordinal);
    private IDisposable? _subscription;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await manager.RestoreAsync(cancellationToken).ConfigureAwait(false);
        // Another node's change (or a hint that some were missed): bring this node's plugins to the database's state.
        _subscription = bus.Subscribe(PluginManager.ClusterTopic, (message, ct) =>
            message.SenderNodeId == bus.NodeId && !message.IsCatchUp ? Task.CompletedTask : manager.SyncAsync(ct));
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await manager.StopAllAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(WatchDropFolderAsync(stoppingToken), SyncPeriodicallyAsync(stoppingToken));

    private async Task SyncPeriodicallyAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Plugins.SyncInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await manager.SyncAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Comparing this node's plugins with the database failed; trying again in {Interval}.", options.Value.Plugins.SyncInterval);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task WatchDropFolderAsync(CancellationToken stoppingToken)
    {
        var folder = DropFolder(options.Value.Plugins, environment);
        if (folder is null) return;
        Directory.CreateDirectory(folder);
        logger.LogInformation("Watching {Folder} for plugins.", folder);
        using var timer = new PeriodicTimer(options.Value.Plugins.DropFolderScanInterval);
        do
        {
            await ScanAsync(folder, stoppingToken).ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>Installs, enables or upgrades from each new or changed entry of the drop folder.</summary>
    internal async Task ScanAsync(string folder, CancellationToken cancellationToken)
    {
        var entries = Directory.EnumerateFiles(folder, "*" + PluginManifest.PackageExtension)
            .Concat(Directory.EnumerateDirectories(folder).Where(d => File.Exists(Path.Combine(d, PluginManifest.FileName))));
        foreach (var entry in entries.Order(StringComparer.Ordinal))
        {
            var stamp = Stamp(entry);
            if (_seen.TryGetValue(entry, out var seen) && seen == stamp) continue;
            // A file still being copied changes between two scans: take it once it holds still.
            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            if (Stamp(entry) != stamp) continue;
            _seen[entry] = stamp;
            try
            {
                PluginManifest manifest;
                if (File.Exists(entry))
                {
                    await using var stream = File.OpenRead(entry);
                    manifest = await manager.UploadAsync(stream, cancellationToken).ConfigureAwait(false);
                }
                else manifest = await manager.StageFolderAsync(entry, cancellationToken).ConfigureAwait(false);

                var current = (await manager.ListAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(p => p.Id == manifest.Id);
                if (current?.InstalledVersion is null)
                    await manager.InstallAsync(manifest.Id, manifest.Version, enable: true, cancellationToken).ConfigureAwait(false);
                else if (PluginManifestReader.CompareVersions(manifest.Version, current.InstalledVersion) > 0)
                    await manager.UpgradeAsync(manifest.Id, manifest.Version, cancellationToken).ConfigureAwait(false);
                logger.LogInformation("Drop folder: {Entry} applied ({PluginId} {Version}).", Path.GetFileName(entry), manifest.Id, manifest.Version);
            }
            catch (MallConflictException ex) when (ex.Code == "plugin.version_installed")
            {
                // Already installed (a file left in the folder across restarts).
                logger.LogDebug("Drop folder: {Entry} is installed already.", Path.GetFileName(entry));
            }
            catch (MallException ex)
            {
                logger.LogError("Drop folder: {Entry} was not applied: {Message}", Path.GetFileName(entry), ex.Message);
            }
        }
    }

    internal static string? DropFolder(MallPluginOptions options, IHostEnvironment environment) =>
        options.DropFolder switch
        {
            null => Path.Combine(environment.ContentRootPath, "plugins"),
            "" => null,
            var path => Path.GetFullPath(path, environment.ContentRootPath),
        };

    internal static string StorePath(MallPluginOptions options, IHostEnvironment environment) =>
        Path.GetFullPath(options.StorePath ?? Path.Combine("App_Data", "plugins"), environment.ContentRootPath);

    private static (long, DateTime) Stamp(string entry)
    {
        if (File.Exists(entry))
        {
            var file = new FileInfo(entry);
            return (file.Length, file.LastWriteTimeUtc);
        }
        var files = new DirectoryInfo(entry).EnumerateFiles("*", SearchOption.AllDirectories).ToList();
        return (files.Sum(f => f.Length), files.Count == 0 ? default : files.Max(f => f.LastWriteTimeUtc));
    }
}
