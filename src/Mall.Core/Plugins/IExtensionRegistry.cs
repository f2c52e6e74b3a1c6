namespace Mall.Plugins;

/// <summary>
/// Where the core looks up implementations of an extension point (shipping rate providers, promotion evaluators,
/// checkout steps, domain event handlers, …): those registered in the host's container, then those of enabled
/// plugins. Plugins come and go at run time, so ask for each use and dispose the lease when done: a plugin
/// version stays loaded until the last lease that holds it is disposed.
/// </summary>
public interface IExtensionRegistry
{
    /// <summary>The current implementations of <typeparamref name="T"/>: the host's first, then plugins' by plugin id.</summary>
    ExtensionLease<T> Acquire<T>() where T : class;

    /// <summary>
    /// Records that an extension of plugin <paramref name="pluginId"/> failed (its last error in the admin API).
    /// The caller decides what the failure means for the current operation.
    /// </summary>
    void ReportFailure(string pluginId, Exception exception);
}

/// <summary>One implementation of an extension point, and the plugin it comes from (null for the host).</summary>
/// <param name="Instance">The implementation.</param>
/// <param name="PluginId">The plugin that contributed it, or null for the host.</param>
public readonly record struct Extension<T>(T Instance, string? PluginId) where T : class;

/// <summary>Implementations of an extension point, kept usable until disposed.</summary>
public sealed class ExtensionLease<T> : IDisposable where T : class
{
    private IDisposable? _release;

    /// <summary>Creates a lease over <paramref name="items"/>; <paramref name="release"/> runs once on dispose.</summary>
    public ExtensionLease(IReadOnlyList<Extension<T>> items, IDisposable? release)
    {
        Items = items;
        _release = release;
    }

    /// <summary>The implementations, host first.</summary>
    public IReadOnlyList<Extension<T>> Items { get; }

    /// <summary>Releases the plugins held by this lease.</summary>
    public void Dispose() => Interlocked.Exchange(ref _release, null)?.Dispose();
}
