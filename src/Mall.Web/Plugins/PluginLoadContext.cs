using System.Reflection;
using System.Runtime.Loader;

namespace Mall.Web.Plugins;

/// <summary>
/// A collectible load context for one load of one plugin. Shared assemblies (Mall's contracts, the framework,
/// Autofac, database drivers) come from the host so that types match and drivers' statics stay in the host;
/// everything else is the plugin's own copy, so two plugins may carry different versions of a library.
/// </summary>
internal sealed class PluginLoadContext(string entryAssemblyPath, string name, SharedAssemblies shared)
    : AssemblyLoadContext(name, isCollectible: true)
{
    private readonly AssemblyDependencyResolver _resolver = new(entryAssemblyPath);

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        // Null hands the request to the default context: the host's copy.
        if (shared.IsShared(assemblyName.Name)) return null;
        var path = _resolver.ResolveAssemblyToPath(assemblyName);
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        // Native libraries are never unloaded; a plugin that brings one keeps it until the process ends.
        var path = _resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }
}

/// <summary>Which assemblies plugins take from the host.</summary>
internal sealed class SharedAssemblies(IEnumerable<string> extra)
{
    // A name ending in '.' is a prefix. Drivers are shared because they keep statics (timers, pools) that would pin
    // a plugin's context; Autofac and Microsoft.Extensions because the plugin's container scope is the host's.
    private static readonly string[] Defaults =
    [
        "Mall.Core", "Mall.Web", "Mall.Data.", "Mall.Redis",
        "Autofac", "Autofac.Extensions.DependencyInjection",
        "System.", "System", "Microsoft.Extensions.", "Microsoft.AspNetCore.", "Microsoft.Net.Http.Headers",
        "Microsoft.CSharp", "Microsoft.VisualBasic", "Microsoft.Win32.", "netstandard", "mscorlib", "WindowsBase",
        "Microsoft.Data.Sqlite", "SQLitePCLRaw.", "Npgsql", "MySqlConnector", "StackExchange.Redis",
    ];

    private readonly string[] _names = [.. Defaults, .. extra];

    public bool IsShared(string? assemblyName) =>
        assemblyName is not null && _names.Any(n => n.EndsWith('.') ? assemblyName.StartsWith(n, StringComparison.Ordinal) : assemblyName == n);
}
