using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Autofac;
using Autofac.Extensions.DependencyInjection;
using Mall.Plugins;
using McMaster.NETCore.Plugins;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mall.Web.Plugins;

/// <summary>
/// One load of one plugin version: its load context, its container scope, its endpoints and background jobs.
/// Calls into it hold a lease; <see cref="RetireAsync"/> stops new leases, waits for the last one, then frees it all.
/// </summary>
internal sealed class PluginGeneration
{
    private readonly Lock _gate = new();
    private readonly PluginLoader _loader;
    private readonly ConcurrentDictionary<Type, object> _extensions = new();
    private readonly HashSet<Type> _registeredServices;
    private int _active;
    private bool _retired;
    private TaskCompletionSource? _drained;
    private List<IHostedService> _started = [];

    public PluginGeneration(PluginManifest manifest, string directory, PluginLoader loader, MallPlugin plugin,
        ILifetimeScope scope, HashSet<Type> registeredServices, PluginSettings settings)
    {
        Manifest = manifest;
        Directory = directory;
        _loader = loader;
        LoadContext = loader.LoadContext;
        Plugin = plugin;
        Scope = scope;
        Services = scope.Resolve<IServiceProvider>();
        _registeredServices = registeredServices;
        Settings = settings;
        Context = new PluginContext(manifest, Services, settings);
    }

    public PluginManifest Manifest { get; }

    public string Directory { get; }

    public System.Runtime.Loader.AssemblyLoadContext LoadContext { get; }

    public MallPlugin Plugin { get; private set; }

    public ILifetimeScope Scope { get; }

    public IServiceProvider Services { get; }

    public PluginSettings Settings { get; }

    public PluginContext Context { get; }

    /// <summary>Endpoint key (methods + route) → the plugin's request delegate.</summary>
    public IReadOnlyDictionary<string, PluginEndpoint> Endpoints { get; set; } = new Dictionary<string, PluginEndpoint>();

    public bool TryAcquire()
    {
        lock (_gate)
        {
            if (_retired) return false;
            _active++;
            return true;
        }
    }

    public void Release()
    {
        lock (_gate)
        {
            _active--;
            if (_retired && _active == 0) _drained?.TrySetResult();
        }
    }

    /// <summary>
    /// The plugin's implementations of <paramref name="type"/>, resolved once per load; empty unless it registered them.
    /// The scope is a child of the host's, whose collections include the host's own: only the plugin's are its.
    /// </summary>
    public object[] ExtensionsOf(Type type) =>
        (object[])_extensions.GetOrAdd(type, static (t, self) =>
            self._registeredServices.Contains(t) || (t.IsGenericType && self._registeredServices.Contains(t.GetGenericTypeDefinition()))
                ? self.Own((IEnumerable<object>)self.Scope.Resolve(typeof(IEnumerable<>).MakeGenericType(t)))
                : [], this);

    private object[] Own(IEnumerable<object> services) =>
        services.Where(s => System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(s.GetType().Assembly) == LoadContext).ToArray();

    public async Task StartHostedServicesAsync(CancellationToken cancellationToken)
    {
        if (!_registeredServices.Contains(typeof(IHostedService))) return;
        foreach (var service in Own(Scope.Resolve<IEnumerable<IHostedService>>()).Cast<IHostedService>())
        {
            await service.StartAsync(cancellationToken).ConfigureAwait(false);
            _started.Add(service);
        }
    }

    /// <summary>Stops new calls, waits for calls in flight, stops background jobs; the caller then runs the disable hook and <see cref="UnloadAsync"/>.</summary>
    public async Task RetireAsync(CancellationToken cancellationToken)
    {
        Task drained;
        lock (_gate)
        {
            _retired = true;
            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_active == 0) _drained.TrySetResult();
            drained = _drained.Task;
        }
        await drained.WaitAsync(cancellationToken).ConfigureAwait(false);
        var started = Interlocked.Exchange(ref _started, []);
        foreach (var service in Enumerable.Reverse(started))
            await service.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Disposes the scope and unloads the context; the plugin is collected once nothing else refers to it.</summary>
    public async ValueTask UnloadAsync()
    {
        _extensions.Clear();
        Endpoints = new Dictionary<string, PluginEndpoint>();
        Plugin = null!;
        await Scope.DisposeAsync().ConfigureAwait(false);
        // TypeDescriptor (used by Json.NET and others) caches per type; let it forget the plugin's.
        foreach (var assembly in LoadContext.Assemblies) System.ComponentModel.TypeDescriptor.Refresh(assembly);
        // Autofac's shared reflection caches (the DI adapter's registration-time ones too) keyed by the plugin's types:
        // clearing them at unload is not automatic for registration caches.
        var context = LoadContext;
        // IsCollectible first: the host's assemblies (almost every key) are answered without asking for their context.
        bool Mine(System.Reflection.Assembly assembly) => assembly.IsCollectible && System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(assembly) == context;
        bool Involves(Type type) => Mine(type.Assembly) || (type.IsGenericType && !type.IsGenericTypeDefinition && type.GetGenericArguments().Any(Involves))
            || (type.HasElementType && Involves(type.GetElementType()!));
        // A key may be a host generic closed over a plugin type (Logger<PluginType>): its assembly is the host's.
        Autofac.Core.ReflectionCacheSet.Shared.Clear((member, assemblies) => assemblies.Any(Mine) || (member is Type type && Involves(type)));
        _loader.Dispose();   // unloads the context
    }
}

/// <summary>A plugin endpoint as the plugin built it.</summary>
internal sealed record PluginEndpoint(Microsoft.AspNetCore.Routing.RouteEndpoint Endpoint);

/// <summary><see cref="IPluginSettings"/> of one plugin load: the manifest defaults overlaid with the saved values.</summary>
internal sealed class PluginSettings(JsonObject defaults) : IPluginSettings
{
    // Owned by this load: System.Text.Json caches type metadata per options instance, so host-wide options would
    // keep the plugin's settings types (and the plugin) alive.
    private readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web);
    private volatile JsonObject _current = (JsonObject)defaults.DeepClone();

    public JsonObject Current => (JsonObject)_current.DeepClone();

    public T Get<T>() where T : class, new() => _current.Deserialize<T>(_json) ?? new T();

    public void Set(JsonObject values) => _current = Merge(defaults, values);

    public static JsonObject Merge(JsonObject defaults, JsonObject? saved)
    {
        var merged = (JsonObject)defaults.DeepClone();
        if (saved is not null)
            foreach (var (key, value) in saved) merged[key] = value?.DeepClone();
        return merged;
    }
}
