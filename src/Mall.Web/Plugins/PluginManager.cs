using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Autofac;
using Mall.Clustering;
using Mall.Common;
using Mall.Diagnostics;
using Mall.Data.Migrations;
using Mall.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Mall.Web.Plugins;

/// <summary>
/// Installs, enables, upgrades, disables and removes plugins while the mall serves. One operation runs at a time;
/// requests and extension lookups never wait for one: they see the set of live plugin versions swapped atomically.
/// This file: state, queries and the lifecycle operations; <c>PluginManager.Loading.cs</c> loads and unloads versions,
/// <c>PluginManager.Extensions.cs</c> is the extension registry, <c>PluginManager.Endpoints.cs</c> dispatches requests.
/// </summary>
internal sealed partial class PluginManager : IExtensionRegistry, IAsyncDisposable
{
    private readonly IServiceProvider _host;
    // The application's Autofac root: each plugin version is a child scope of it. Null when the app keeps the default
    // container (then plugins cannot load; everything else runs).
    private readonly ILifetimeScope? _root;
    private readonly PluginRepository _repository;
    private readonly PluginStore _store;
    private readonly MigrationRunner _migrations;
    private readonly PluginEndpointDataSource _endpoints;
    private readonly IOptions<HttpJsonOptions> _hostJson;
    private readonly ILogger<PluginManager> _logger;
    private readonly TimeProvider _clock;
    private readonly IClusterBus _bus;
    private readonly MallMetrics _metrics;
    private readonly SharedAssemblies _shared;
    private readonly SemaphoreSlim _operations = new(1, 1);
    private readonly Dictionary<string, string> _packageErrors = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _lastRecorded = new(StringComparer.Ordinal);
    private readonly TimeSpan _unloadCheckTimeout;
    private ImmutableSortedDictionary<string, PluginGeneration> _live = ImmutableSortedDictionary.Create<string, PluginGeneration>(StringComparer.Ordinal);

    public PluginManager(IServiceProvider host, PluginRepository repository, PluginStore store,
        MigrationRunner migrations, PluginEndpointDataSource endpoints, IOptions<HttpJsonOptions> hostJson, IOptions<MallOptions> options,
        TimeProvider clock, IClusterBus bus, MallMetrics metrics, ILogger<PluginManager> logger)
    {
        _bus = bus;
        _metrics = metrics;
        _clock = clock;
        _host = host;
        _root = host.GetService<ILifetimeScope>();
        _repository = repository;
        _store = store;
        _migrations = migrations;
        _endpoints = endpoints;
        _hostJson = hostJson;
        _logger = logger;
        _shared = new SharedAssemblies(options.Value.Plugins.SharedAssemblies);
        _unloadCheckTimeout = options.Value.Plugins.UnloadCheckTimeout;
    }

    /// <summary>Raised after a generation was unloaded (tests and benchmarks watch collection through it).</summary>
    internal event Action<PluginUnloaded>? Unloaded;

    private ImmutableSortedDictionary<string, PluginGeneration> Live => Volatile.Read(ref _live);

    public async Task<IReadOnlyList<PluginInfo>> ListAsync(CancellationToken cancellationToken)
    {
        var records = (await _repository.ListAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(r => r.Id);
        var staged = _store.List().GroupBy(m => m.Id).ToDictionary(g => g.Key, g => g.OrderByDescending(m => m.Version, VersionComparer).ToList());
        var live = Live;
        var enabled = live.ToDictionary(p => p.Key, p => p.Value.Manifest.Version);
        var result = new List<PluginInfo>();
        foreach (var id in records.Keys.Union(staged.Keys).Order(StringComparer.Ordinal))
        {
            records.TryGetValue(id, out var record);
            var versions = staged.GetValueOrDefault(id) ?? [];
            var installed = record is { State: not PluginState.Removed };
            var manifest = (installed ? versions.FirstOrDefault(m => m.Version == record!.Version) : null) ?? versions.FirstOrDefault();
            if (manifest is null) continue;
            live.TryGetValue(id, out var generation);
            string? packageError;
            lock (_packageErrors) packageError = _packageErrors.GetValueOrDefault(id);
            result.Add(new PluginInfo(
                id, manifest.Name, installed ? record!.Version : null, installed ? record!.State : PluginState.Available,
                generation?.Manifest.Version,
                versions.Select(m => m.Version).ToList(),
                installed ? record!.LastError : packageError, installed ? record!.LastErrorAt : null,
                manifest.Description, manifest.Author, manifest.License, manifest.RequiresRestart, manifest.Dependencies,
                // What stops the newest uploaded version from being installed (or upgraded to) here now.
                versions.FirstOrDefault() is { } newest && (!installed || newest.Version != record!.Version)
                    ? PluginManifestReader.CheckCompatibility(newest, enabled) : []));
        }
        return result;
    }

    /// <summary>The console screens of the plugins enabled here now, by plugin id.</summary>
    public IReadOnlyList<ConsoleScreen> ConsoleScreens() => Live.Values.SelectMany(g => g.Manifest.ConsoleScreens).ToList();

    public async Task<PluginInfo> GetAsync(string id, CancellationToken cancellationToken) =>
        (await ListAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(p => p.Id == id)
        ?? throw new MallNotFoundException($"No plugin '{id}' is installed or uploaded.");

    /// <summary>Stores an uploaded <c>.mallplugin</c> after validating it; installs nothing.</summary>
    public Task<PluginManifest> UploadAsync(Stream package, CancellationToken cancellationToken) =>
        ExclusiveAsync(async () =>
        {
            var installed = await _repository.ListAsync(cancellationToken).ConfigureAwait(false);
            var manifest = await _store.StageZipAsync(package, m => RefuseInstalledVersion(m, installed), cancellationToken).ConfigureAwait(false);
            await KeepPackageAsync(manifest, cancellationToken).ConfigureAwait(false);
            _logger.LogInformation("Plugin package {PluginId} {Version} uploaded.", manifest.Id, manifest.Version);
            // Kept (a newer Mall may take it), but said at once: the listing carries the reason as installProblems.
            if (PluginManifestReader.CheckCompatibility(manifest, new Dictionary<string, string>()).FirstOrDefault(p => p.Contains("needs Mall", StringComparison.Ordinal)) is { } problem)
                _logger.LogWarning("Plugin package {PluginId} {Version} cannot be installed here: {Problem}", manifest.Id, manifest.Version, problem);
            return manifest;
        }, cancellationToken);

    /// <summary>Stores a plugin folder (the drop folder's), like an upload.</summary>
    public Task<PluginManifest> StageFolderAsync(string folder, CancellationToken cancellationToken) =>
        ExclusiveAsync(async () =>
        {
            var installed = await _repository.ListAsync(cancellationToken).ConfigureAwait(false);
            var manifest = _store.Stage(folder, m => RefuseInstalledVersion(m, installed));
            await KeepPackageAsync(manifest, cancellationToken).ConfigureAwait(false);
            return manifest;
        }, cancellationToken);

    /// <summary>The files of an installed version never change under it: a changed build needs a new version.</summary>
    private static void RefuseInstalledVersion(PluginManifest manifest, IReadOnlyList<PluginRecord> installed)
    {
        if (installed.Any(r => r.Id == manifest.Id && r.Version == manifest.Version && r.State != PluginState.Removed))
            throw new MallConflictException($"Plugin {manifest.Id} {manifest.Version} is installed; give a changed build a new version.") { Code = "plugin.version_installed" };
    }

    /// <summary>Installs a staged version (the newest when <paramref name="version"/> is null): migrations, install hook; enables it when asked.</summary>
    public Task<PluginInfo> InstallAsync(string id, string? version, bool enable, CancellationToken cancellationToken) =>
        ExclusiveAsync(async () =>
        {
            var record = await _repository.FindAsync(id, cancellationToken).ConfigureAwait(false);
            if (record is { State: not PluginState.Removed })
                throw new MallConflictException($"Plugin {id} {record.Version} is installed already; upgrade or uninstall it.") { Code = "plugin.installed" };
            var manifest = Staged(id, version);
            CheckCompatible(manifest);
            var generation = await LoadAsync(manifest, record?.Settings, cancellationToken).ConfigureAwait(false);
            try
            {
                await _migrations.MigrateAsync(new PluginMigrations(id, generation.Plugin.Migrations), cancellationToken).ConfigureAwait(false);
                await generation.Plugin.InstallAsync(generation.Context, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await UnloadAsync(generation).ConfigureAwait(false);
                lock (_packageErrors) _packageErrors[id] = ex.Message;
                throw Failed(id, $"Plugin {id} {manifest.Version} failed to install: {ex.Message}", ex);
            }
            lock (_packageErrors) _packageErrors.Remove(id);
            var installed = new PluginRecord(id, manifest.Version, PluginState.Disabled, record?.Settings, null, null, Now);
            await _repository.SaveAsync(installed, cancellationToken).ConfigureAwait(false);
            _logger.LogInformation("Plugin {PluginId} {Version} installed.", id, manifest.Version);
            if (enable && !manifest.RequiresRestart) await EnableLoadedAsync(installed, generation, cancellationToken).ConfigureAwait(false);
            else
            {
                await UnloadAsync(generation).ConfigureAwait(false);
                if (enable) await _repository.SaveAsync(installed with { State = PluginState.Enabled }, cancellationToken).ConfigureAwait(false);
            }
            return await GetAsync(id, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>Loads and enables an installed plugin.</summary>
    public Task<PluginInfo> EnableAsync(string id, CancellationToken cancellationToken) =>
        ExclusiveAsync(async () =>
        {
            var record = await InstalledAsync(id, cancellationToken).ConfigureAwait(false);
            if (Live.ContainsKey(id)) return await GetAsync(id, cancellationToken).ConfigureAwait(false);
            var manifest = Staged(id, record.Version);
            CheckCompatible(manifest);
            if (manifest.RequiresRestart)
            {
                await _repository.SaveAsync(record with { State = PluginState.Enabled }, cancellationToken).ConfigureAwait(false);
                return await GetAsync(id, cancellationToken).ConfigureAwait(false);
            }
            var generation = await LoadOrFaultAsync(record, manifest, cancellationToken).ConfigureAwait(false);
            await EnableLoadedAsync(record, generation, cancellationToken).ConfigureAwait(false);
            return await GetAsync(id, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>Stops serving a plugin (in-flight calls finish first) and unloads it.</summary>
    public Task<PluginInfo> DisableAsync(string id, CancellationToken cancellationToken) =>
        ExclusiveAsync(async () =>
        {
            var record = await InstalledAsync(id, cancellationToken).ConfigureAwait(false);
            var dependents = Live.Values.Where(g => g.Manifest.Dependencies.ContainsKey(id)).Select(g => g.Manifest.Id).ToList();
            if (dependents.Count > 0)
                throw new MallConflictException($"Plugin {id} is needed by enabled plugin(s) {string.Join(", ", dependents)}; disable them first.") { Code = "plugin.required" };
            // A plugin that needs a restart keeps serving until then; the others stop now.
            if (!Staged(id, record.Version).RequiresRestart) await TakeDownAsync(id, runDisableHook: true, cancellationToken).ConfigureAwait(false);
            await _repository.SaveAsync(record with { State = PluginState.Disabled }, cancellationToken).ConfigureAwait(false);
            _logger.LogInformation("Plugin {PluginId} disabled.", id);
            return await GetAsync(id, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>
    /// Replaces the installed version by a newer staged one. An enabled plugin keeps serving on the old version until
    /// the new one is loaded, migrated and upgraded; then new calls go to the new version and the old one is unloaded
    /// once its calls finish. If the new version fails, the old one serves on.
    /// </summary>
    public Task<PluginInfo> UpgradeAsync(string id, string? version, CancellationToken cancellationToken) =>
        ExclusiveAsync(async () =>
        {
            var record = await InstalledAsync(id, cancellationToken).ConfigureAwait(false);
            var manifest = Staged(id, version);
            if (VersionComparer.Compare(manifest.Version, record.Version) <= 0)
                throw new MallConflictException($"Plugin {id} {record.Version} is installed; {manifest.Version} is not newer.") { Code = "plugin.not_newer" };
            CheckCompatible(manifest);
            var wasLive = Live.TryGetValue(id, out var old);
            var generation = await LoadAsync(manifest, record.Settings, cancellationToken).ConfigureAwait(false);
            try
            {
                await _migrations.MigrateAsync(new PluginMigrations(id, generation.Plugin.Migrations), cancellationToken).ConfigureAwait(false);
                await generation.Plugin.UpgradeAsync(generation.Context, record.Version, cancellationToken).ConfigureAwait(false);
                if (wasLive && !manifest.RequiresRestart)
                {
                    CheckRoutes(generation, except: id);
                    await generation.StartHostedServicesAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await generation.RetireAsync(CancellationToken.None).ConfigureAwait(false);
                await UnloadAsync(generation).ConfigureAwait(false);
                await _repository.SaveAsync(record with { LastError = ex.Message, LastErrorAt = Now }, cancellationToken).ConfigureAwait(false);
                throw Failed(id, $"Plugin {id} could not be upgraded to {manifest.Version}; {record.Version} serves on. {ex.Message}", ex);
            }
            await _repository.SaveAsync(record with { Version = manifest.Version, LastError = null, LastErrorAt = null }, cancellationToken).ConfigureAwait(false);
            if (wasLive && !manifest.RequiresRestart)
            {
                Publish(Live.SetItem(id, generation));
                await RetireAndUnloadAsync(old!, runDisableHook: false).ConfigureAwait(false);
            }
            else
            {
                await generation.RetireAsync(CancellationToken.None).ConfigureAwait(false);
                await UnloadAsync(generation).ConfigureAwait(false);
            }
            _logger.LogInformation("Plugin {PluginId} upgraded from {From} to {To}.", id, record.Version, manifest.Version);
            return await GetAsync(id, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>Disables (if needed) and uninstalls a plugin; <paramref name="dropData"/> also removes its tables and settings.</summary>
    public Task UninstallAsync(string id, bool dropData, CancellationToken cancellationToken) =>
        ExclusiveAsync(async () =>
        {
            var record = await InstalledAsync(id, cancellationToken).ConfigureAwait(false);
            var all = await _repository.ListAsync(cancellationToken).ConfigureAwait(false);
            var dependents = all.Where(r => r.State is not PluginState.Removed && r.Id != id)
                .Where(r => _store.Find(r.Id, r.Version)?.Dependencies.ContainsKey(id) == true).Select(r => r.Id).ToList();
            if (dependents.Count > 0)
                throw new MallConflictException($"Plugin {id} is needed by installed plugin(s) {string.Join(", ", dependents)}; uninstall them first.") { Code = "plugin.required" };
            await TakeDownAsync(id, runDisableHook: true, cancellationToken).ConfigureAwait(false);
            var manifest = Staged(id, record.Version);
            var generation = await LoadAsync(manifest, record.Settings, cancellationToken).ConfigureAwait(false);
            try
            {
                await generation.Plugin.UninstallAsync(generation.Context, dropData, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await FaultAsync(record, ex.Message, cancellationToken).ConfigureAwait(false);
                throw Failed(id, $"Plugin {id} failed to uninstall: {ex.Message}", ex);
            }
            finally
            {
                await generation.RetireAsync(CancellationToken.None).ConfigureAwait(false);
                await UnloadAsync(generation).ConfigureAwait(false);
            }
            if (dropData)
            {
                await _migrations.ForgetAsync(PluginMigrations.ModuleOf(id), cancellationToken).ConfigureAwait(false);
                await _repository.DeleteAsync(id, cancellationToken).ConfigureAwait(false);
            }
            else await _repository.SaveAsync(record with { State = PluginState.Removed, LastError = null, LastErrorAt = null }, cancellationToken).ConfigureAwait(false);
            _logger.LogInformation("Plugin {PluginId} uninstalled ({Data}).", id, dropData ? "data dropped" : "data kept");
        }, cancellationToken);

    public async Task<JsonObject> GetSettingsAsync(string id, CancellationToken cancellationToken)
    {
        var record = await InstalledAsync(id, cancellationToken).ConfigureAwait(false);
        return PluginSettings.Merge(Staged(id, record.Version).Settings, record.Settings);
    }

    /// <summary>Saves settings (only names the manifest declares, with the same JSON kind); the live plugin sees them at once.</summary>
    public Task<JsonObject> SetSettingsAsync(string id, JsonObject values, CancellationToken cancellationToken) =>
        ExclusiveAsync(async () =>
        {
            var record = await InstalledAsync(id, cancellationToken).ConfigureAwait(false);
            var defaults = Staged(id, record.Version).Settings;
            var errors = new ValidationErrors();
            foreach (var (key, value) in values)
            {
                if (!defaults.TryGetPropertyValue(key, out var @default)) errors.Add(key, $"is not a setting of {id}; settings are {string.Join(", ", defaults.Select(d => d.Key))}.");
                else if (@default is not null && value is not null && Kind(@default) != Kind(value)) errors.Add(key, $"must be a {Kind(@default)}.");
            }
            errors.ThrowIfAny();
            var saved = PluginSettings.Merge(record.Settings ?? new JsonObject(), values);
            // The plugin's own checks (keys that must parse, URLs…), while it is loaded.
            if (Live.TryGetValue(id, out var live))
            {
                var merged = PluginSettings.Merge(defaults, saved);
                foreach (var validator in live.ExtensionsOf(typeof(IPluginSettingsValidator)).Cast<IPluginSettingsValidator>())
                    validator.Validate(merged, errors);
                errors.ThrowIfAny();
            }
            await _repository.SaveAsync(record with { Settings = saved }, cancellationToken).ConfigureAwait(false);
            if (Live.TryGetValue(id, out var generation)) generation.Settings.Set(saved);
            return PluginSettings.Merge(defaults, saved);
        }, cancellationToken);

    /// <summary>Brings back every plugin enabled in the database (at start-up); a failure faults that plugin only.</summary>
    public Task RestoreAsync(CancellationToken cancellationToken) =>
        ExclusiveAsync(async () =>
        {
            _store.CleanRuntime();
            await FetchPackagesAsync(cancellationToken).ConfigureAwait(false);
            var records = (await _repository.ListAsync(cancellationToken).ConfigureAwait(false)).Where(r => r.State == PluginState.Enabled).ToList();
            // Dependencies first: a plugin is restored once everything it needs is live.
            var pending = records.ToList();
            while (pending.Count > 0)
            {
                var ready = pending.Where(r => _store.Find(r.Id, r.Version) is not { } m || m.Dependencies.Keys.All(d => Live.ContainsKey(d) || pending.All(p => p.Id != d))).ToList();
                if (ready.Count == 0) ready = pending;
                foreach (var record in ready)
                {
                    pending.Remove(record);
                    try
                    {
                        var manifest = Staged(record.Id, record.Version);
                        CheckCompatible(manifest);
                        var generation = await LoadOrFaultAsync(record, manifest, cancellationToken).ConfigureAwait(false);
                        await EnableLoadedAsync(record, generation, cancellationToken).ConfigureAwait(false);
                    }
                    catch (MallException ex)
                    {
                        _logger.LogError(ex, "Plugin {PluginId} could not be restored.", record.Id);
                        await FaultAsync(record, ex.Message, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
            return true;
        }, cancellationToken);

    /// <summary>Unloads every live plugin (host shutdown), without running disable hooks: they stay enabled in the database.</summary>
    public Task StopAllAsync(CancellationToken cancellationToken) =>
        ExclusiveAsync(async () =>
        {
            foreach (var id in Live.Keys) await TakeDownAsync(id, runDisableHook: false, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    private PluginManifest Staged(string id, string? version)
    {
        if (version is not null)
            return _store.Find(id, version) ?? throw new MallNotFoundException($"No package of plugin {id} {version} is uploaded.");
        return _store.List().Where(m => m.Id == id).OrderByDescending(m => m.Version, VersionComparer).FirstOrDefault()
            ?? throw new MallNotFoundException($"No package of plugin {id} is uploaded.");
    }

    private async Task<PluginRecord> InstalledAsync(string id, CancellationToken cancellationToken) =>
        await _repository.FindAsync(id, cancellationToken).ConfigureAwait(false) is { State: not PluginState.Removed } record
            ? record
            : throw new MallNotFoundException($"Plugin {id} is not installed.");

    private static PluginFailedException Failed(string id, string message, Exception inner) =>
        inner as PluginFailedException ?? new PluginFailedException(id, message, inner) { Code = "plugin.failed" };

    private static string Kind(JsonNode node) => node.GetValueKind() switch
    {
        System.Text.Json.JsonValueKind.String => "string",
        System.Text.Json.JsonValueKind.Number => "number",
        System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => "boolean",
        System.Text.Json.JsonValueKind.Array => "array",
        _ => "object",
    };

    private async Task<T> ExclusiveAsync<T>(Func<Task<T>> operation, CancellationToken cancellationToken, [System.Runtime.CompilerServices.CallerMemberName] string caller = "")
    {
        await _operations.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await operation().ConfigureAwait(false);
        }
        finally
        {
            _operations.Release();
            // Whatever an operation changed (even when it failed half-way: a faulted record), the other nodes look.
            if (caller is not (nameof(RestoreAsync) or nameof(StopAllAsync) or nameof(SyncAsync)))
                await _bus.PublishAsync(ClusterTopic, caller, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private Task ExclusiveAsync(Func<Task> operation, CancellationToken cancellationToken, [System.Runtime.CompilerServices.CallerMemberName] string caller = "") =>
        ExclusiveAsync(async () =>
        {
            await operation().ConfigureAwait(false);
            return true;
        }, cancellationToken, caller);

    private static readonly IComparer<string> VersionComparer = Comparer<string>.Create(PluginManifestReader.CompareVersions);

    public async ValueTask DisposeAsync()
    {
        await StopAllAsync(CancellationToken.None).ConfigureAwait(false);
        // The semaphore is not disposed: a hosted service's late StopAsync may still ask for it (and finds nothing live).
    }
}

/// <summary>A plugin as the admin API shows it.</summary>
/// <param name="Id">Plugin id.</param>
/// <param name="Name">Display name.</param>
/// <param name="InstalledVersion">Installed version, or null when only uploaded (or removed).</param>
/// <param name="State">Where it stands.</param>
/// <param name="LiveVersion">The version serving in this process, or null; differs from the installed one only while a change waits for a restart.</param>
/// <param name="AvailableVersions">Uploaded versions, newest first.</param>
/// <param name="LastError">The last failure (load, enable, upgrade, or a handler at run time).</param>
/// <param name="LastErrorAt">When it failed.</param>
/// <param name="Description">What it does.</param>
/// <param name="Author">Who wrote it.</param>
/// <param name="License">License.</param>
/// <param name="RequiresRestart">Its changes apply at the next start.</param>
/// <param name="Dependencies">Plugins it needs (id → version range).</param>
/// <param name="InstallProblems">
/// Why the newest uploaded version cannot be installed (or upgraded to) now: a <c>mallVersion</c> that excludes this
/// Mall, or dependencies that are not enabled. Empty when it can, or when the newest version is the installed one.
/// </param>
internal sealed record PluginInfo(
    string Id, string Name, string? InstalledVersion, PluginState State, string? LiveVersion, IReadOnlyList<string> AvailableVersions,
    string? LastError, DateTime? LastErrorAt, string? Description, string? Author, string? License, bool RequiresRestart,
    IReadOnlyDictionary<string, string> Dependencies, IReadOnlyList<string> InstallProblems);

/// <summary>A plugin load was unloaded: its context (to watch it being collected) and whether its scope is disposed.</summary>
internal sealed class PluginUnloaded(string pluginId, string version, WeakReference loadContext, ILifetimeScope scope)
{
    private readonly WeakReference _scope = new(scope);

    public string PluginId { get; } = pluginId;

    public string Version { get; } = version;

    public WeakReference LoadContext { get; } = loadContext;

    /// <summary>True when the scope is gone or refuses to resolve (disposed).</summary>
    public bool ScopeDisposed
    {
        get
        {
            if (_scope.Target is not ILifetimeScope live) return true;
            try
            {
                live.Resolve<IServiceProvider>();
                return false;
            }
            catch (ObjectDisposedException)
            {
                return true;
            }
        }
    }
}

/// <summary>A plugin's migrations as a module of the migration runner.</summary>
internal sealed class PluginMigrations(string pluginId, IReadOnlyList<Migration> migrations) : IMigrationSource
{
    public static string ModuleOf(string pluginId) => $"plugin:{pluginId}";

    public string Module => ModuleOf(pluginId);

    public IReadOnlyList<Migration> Migrations => migrations;
}
