using System.Reflection;
using McMaster.NETCore.Plugins;

namespace Mall.Web.Plugins;

/// <summary>
/// Loads one version of a plugin with McMaster.NETCore.Plugins into its own collectible context. Shared assemblies
/// (Mall's contracts, the framework, Autofac, database drivers) come from the host so that types match and drivers'
/// statics stay in the host; every other assembly in the plugin's folder is its own copy, so two plugins may carry
/// different versions of a library. Assemblies are read into memory, so an upgrade never fights a file lock.
/// </summary>
internal static class PluginLoading
{
    /// <summary>A loader for the plugin whose entry assembly is <paramref name="entryAssemblyPath"/>; dispose it to unload.</summary>
    public static PluginLoader Create(string entryAssemblyPath, SharedAssemblies shared)
    {
        var folder = Path.GetDirectoryName(entryAssemblyPath)!;
        var own = Directory.EnumerateFiles(folder, "*.dll", SearchOption.TopDirectoryOnly).Select(Path.GetFileNameWithoutExtension).OfType<string>().ToList();
        return PluginLoader.CreateFromAssemblyFile(entryAssemblyPath, config =>
        {
            config.IsUnloadable = true;
            config.LoadInMemory = true;
            // Only what Mall's rules name is the host's; McMaster would otherwise also share whatever a shared
            // assembly references (Dapper through Mall.Core, whose caches would then keep plugin types alive).
            config.PreferSharedTypes = false;
            config.IsLazyLoaded = true;
            // A shared assembly the plugin carries anyway is taken from the host; one it does not carry falls through
            // to the host's default context by itself.
            foreach (var name in own.Where(shared.IsShared))
                config.SharedAssemblies.Add(new AssemblyName(name));
            foreach (var name in own.Where(n => !shared.IsShared(n)))
                config.PrivateAssemblies.Add(new AssemblyName(name));
        });
    }
}

/// <summary>Which assemblies plugins take from the host.</summary>
internal sealed class SharedAssemblies(IEnumerable<string> extra)
{
    // A name ending in '.' is a prefix. Drivers are shared because they keep statics (timers, pools) that would pin
    // a plugin's context; Autofac and Microsoft.Extensions because the plugin's container scope is the host's.
    private static readonly string[] Defaults =
    [
        "Mall.Core", "Mall.Plugins.Sdk", "Mall.Web", "Mall.Data.", "Mall.Redis",
        "Autofac", "Autofac.Extensions.DependencyInjection",
        "System.", "System", "Microsoft.Extensions.", "Microsoft.AspNetCore.", "Microsoft.Net.Http.Headers",
        "Microsoft.CSharp", "Microsoft.VisualBasic", "Microsoft.Win32.", "netstandard", "mscorlib", "WindowsBase",
        "Microsoft.Data.Sqlite", "SQLitePCLRaw.", "Npgsql", "MySqlConnector", "StackExchange.Redis",
    ];

    private readonly string[] _names = [.. Defaults, .. extra];

    public bool IsShared(string? assemblyName) =>
        assemblyName is not null && _names.Any(n => n.EndsWith('.') ? assemblyName.StartsWith(n, StringComparison.Ordinal) : assemblyName == n);
}
