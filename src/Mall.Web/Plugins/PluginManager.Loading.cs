using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Autofac;
using Autofac.Extensions.DependencyInjection;
using Mall.Common;
using Mall.Plugins;
using McMaster.NETCore.Plugins;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Mall.Web.Plugins;

/// <summary>Loading and unloading plugin versions: load contexts, container scopes, hooks, swapping the live set, watching collection.</summary>
internal sealed partial class PluginManager
{
    /// <summary>Marks a plugin faulted with its error: it serves nothing until enabled again.</summary>
    private Task FaultAsync(PluginRecord record, string error, CancellationToken cancellationToken) =>
        _repository.SaveAsync(record with { State = PluginState.Faulted, LastError = error, LastErrorAt = Now }, cancellationToken);

    private DateTime Now => _clock.GetUtcNow().UtcDateTime;

    private async Task<PluginGeneration> LoadOrFaultAsync(PluginRecord record, PluginManifest manifest, CancellationToken cancellationToken)
    {
        try
        {
            return await LoadAsync(manifest, record.Settings, cancellationToken).ConfigureAwait(false);
        }
        catch (PluginFailedException ex)
        {
            await FaultAsync(record, ex.Message, cancellationToken).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Runs the enable hook, starts background jobs and publishes the plugin; a failure faults it and unloads it.</summary>
    private async Task EnableLoadedAsync(PluginRecord record, PluginGeneration generation, CancellationToken cancellationToken)
    {
        var id = generation.Manifest.Id;
        try
        {
            CheckRoutes(generation, except: null);
            await generation.Plugin.EnableAsync(generation.Context, cancellationToken).ConfigureAwait(false);
            await generation.StartHostedServicesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await generation.RetireAsync(CancellationToken.None).ConfigureAwait(false);
            await UnloadAsync(generation).ConfigureAwait(false);
            var message = $"Plugin {id} failed to enable: {ex.Message}";
            await FaultAsync(record, message, cancellationToken).ConfigureAwait(false);
            throw Failed(id, message, ex);
        }
        Publish(Live.SetItem(id, generation));
        await _repository.SaveAsync(record with { State = PluginState.Enabled, LastError = null, LastErrorAt = null }, cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Plugin {PluginId} {Version} enabled.", id, generation.Manifest.Version);
    }

    private async Task TakeDownAsync(string id, bool runDisableHook, CancellationToken cancellationToken)
    {
        if (!Live.TryGetValue(id, out var generation)) return;
        Publish(Live.Remove(id));
        await RetireAndUnloadAsync(generation, runDisableHook).ConfigureAwait(false);
    }

    private async Task RetireAndUnloadAsync(PluginGeneration generation, bool runDisableHook)
    {
        await generation.RetireAsync(CancellationToken.None).ConfigureAwait(false);
        if (runDisableHook)
        {
            try
            {
                await generation.Plugin.DisableAsync(generation.Context, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Disabling goes on: the plugin stops serving whatever its hook says.
                ReportFailure(generation.Manifest.Id, ex);
            }
        }
        await UnloadAsync(generation).ConfigureAwait(false);
    }

    private async Task UnloadAsync(PluginGeneration generation)
    {
        var report = new PluginUnloaded(generation.Manifest.Id, generation.Manifest.Version, new WeakReference(generation.LoadContext), generation.Scope);
        var directory = generation.Directory;
        await generation.UnloadAsync().ConfigureAwait(false);
        HostTypeCaches.Clear(_logger);
        _store.DeleteRuntimeCopy(directory);
        Unloaded?.Invoke(report);
        _metrics.UnloadPin(report.PluginId, +1);
        _ = WatchCollectionAsync(report);
    }

    /// <summary>
    /// Reports an unloaded version whose load context is still alive after <see cref="MallPluginOptions.UnloadCheckTimeout"/>:
    /// something keeps it (a static or event of the host's, a serializer or reflection cache of its types, its own
    /// Newtonsoft.Json or TypeDescriptor use), so its memory stays with every upgrade. Logged, and recorded as the
    /// plugin's last error for the admin API.
    /// </summary>
    private async Task WatchCollectionAsync(PluginUnloaded report)
    {
        var timeout = _unloadCheckTimeout;
        if (timeout <= TimeSpan.Zero)
        {
            _metrics.UnloadPin(report.PluginId, -1);
            return;
        }
        try
        {
            // Ordinary collections usually take it long before the bound; only then is a full collection forced, once,
            // so that serving is not slowed by collections after every unload.
            await Task.Delay(timeout).ConfigureAwait(false);
            for (var i = 0; i < 3 && report.LoadContext.IsAlive; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
            if (!report.LoadContext.IsAlive)
            {
                _metrics.UnloadPin(report.PluginId, -1);
                return;
            }
            var message = $"Version {report.Version} was unloaded but its load context is still alive after {timeout.TotalSeconds:0.#} s: something keeps the plugin " +
                "(a static or event of the host's, a cache of its types, its own Newtonsoft.Json or TypeDescriptor use); its memory is not returned. See docs/plugins.md, \"Unloading\".";
            _logger.LogWarning("Plugin {PluginId}: {Problem}", report.PluginId, message);
            await RecordErrorAsync(report.PluginId, message).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Could not watch the unload of plugin {PluginId} {Version}.", report.PluginId, report.Version);
        }
    }

    private void Publish(ImmutableSortedDictionary<string, PluginGeneration> live)
    {
        Volatile.Write(ref _live, live);
        var endpoints = live.Values
            .SelectMany(g => g.Endpoints.Select(e => (Endpoint)PluginEndpointDataSource.HostEndpoint(g.Manifest.Id, e.Key, e.Value.Endpoint, InvokeEndpointAsync)))
            .ToList();
        // Host endpoints forward to whichever version is live: when the routes are the same (an upgrade that keeps
        // them), the router is left alone.
        var current = _endpoints.Endpoints;
        if (current.Count == endpoints.Count && current.Select(PluginEndpointDataSource.SignatureOf).SequenceEqual(endpoints.Select(PluginEndpointDataSource.SignatureOf))) return;
        _endpoints.Replace(endpoints);
    }

    private async Task<PluginGeneration> LoadAsync(PluginManifest manifest, JsonObject? savedSettings, CancellationToken cancellationToken)
    {
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        var directory = _store.CreateRuntimeCopy(manifest.Id, manifest.Version);
        PluginLoader? loader = null;
        ILifetimeScope? scope = null;
        try
        {
            var entryPath = Path.Combine(directory, manifest.EntryAssembly);
            loader = PluginLoading.Create(entryPath, _shared);
            var loadContext = loader.LoadContext;
            var assembly = loader.LoadDefaultAssembly();
            var pluginTypes = assembly.GetExportedTypes().Where(t => typeof(MallPlugin).IsAssignableFrom(t) && !t.IsAbstract).ToList();
            if (pluginTypes.Count != 1)
                throw new InvalidOperationException($"{manifest.EntryAssembly} must hold exactly one public {nameof(MallPlugin)} class; it holds {pluginTypes.Count}." +
                    (typeof(MallPlugin).Assembly != typeof(PluginManager).Assembly ? "" : " (Does the package carry its own copy of Mall.Core? Reference Mall's packages with ExcludeAssets=runtime.)"));
            var plugin = (MallPlugin)Activator.CreateInstance(pluginTypes[0])!;
            var services = new ServiceCollection();
            plugin.ConfigureServices(services);
            var registered = services.Select(d => d.ServiceType).ToHashSet();
            var settings = new PluginSettings(manifest.Settings);
            if (savedSettings is not null) settings.Set(savedSettings);
            var json = new HttpJsonOptions();
            foreach (var converter in _hostJson.Value.SerializerOptions.Converters) json.SerializerOptions.Converters.Add(converter);
            json.SerializerOptions.AllowDuplicateProperties = _hostJson.Value.SerializerOptions.AllowDuplicateProperties;
            json.SerializerOptions.RespectRequiredConstructorParameters = _hostJson.Value.SerializerOptions.RespectRequiredConstructorParameters;
            // Options closed over the plugin's types live in its scope, not the root's caches (which would pin it).
            services.AddOptions();
            var root = _root ?? throw new InvalidOperationException(
                "Plugins need Autofac as the application's root container: use builder.AddMall() (or builder.Host.UseServiceProviderFactory(new AutofacServiceProviderFactory())).");
            scope = root.BeginLoadContextLifetimeScope($"plugin:{manifest.Id}", loadContext, builder =>
            {
                builder.Populate(services);
                builder.RegisterInstance<IPluginSettings>(settings);
                builder.RegisterInstance(manifest);
                // The plugin's own logger and JSON options: host singletons closed over plugin types would pin it.
                builder.RegisterGeneric(typeof(Logger<>)).As(typeof(ILogger<>)).SingleInstance();
                builder.RegisterInstance(Options.Create(json)).As<IOptions<HttpJsonOptions>>();
            });
            var generation = new PluginGeneration(manifest, directory, loader, plugin, scope, registered, settings);
            if (plugin is IPluginEndpoints endpoints) generation.Endpoints = BuildEndpoints(generation, endpoints);
            _metrics.PluginLoaded(manifest.Id, succeeded: true);
            return generation;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            if (scope is not null) await scope.DisposeAsync().ConfigureAwait(false);
            loader?.Dispose();
            _store.DeleteRuntimeCopy(directory);
            _metrics.PluginLoaded(manifest.Id, succeeded: false);
            throw Failed(manifest.Id, $"Plugin {manifest.Id} {manifest.Version} failed to load: {ex.Message}", ex);
        }
    }

    private void CheckCompatible(PluginManifest manifest)
    {
        var enabled = Live.ToDictionary(p => p.Key, p => p.Value.Manifest.Version);
        var problems = PluginManifestReader.CheckCompatibility(manifest, enabled);
        if (problems.Count > 0) throw new MallConflictException(string.Join(" ", problems)) { Code = "plugin.incompatible" };
    }
}
