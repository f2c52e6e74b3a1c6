using Mall.Common;
using Mall.Themes;

namespace Mall.Web.Themes;

/// <summary>Theme files: the built-in theme, installed packages on disk, and theme names.</summary>
internal sealed partial class ThemeService
{
    private ThemePackage Load(string name, string? missing = null)
    {
        if (name == DefaultTheme) return _builtIn.Value;
        var file = PackagePath(name);
        if (!File.Exists(file)) throw new ThemeException(missing ?? $"theme '{name}' is not installed");
        using var stream = File.OpenRead(file);
        return ThemePackage.FromZip(stream);
    }

    private static ThemePackage LoadBuiltIn()
    {
        var assembly = typeof(ThemeService).Assembly;
        const string prefix = "MallTheme/default/";
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            files[resource[prefix.Length..].Replace('\\', '/')] = copy.ToArray();
        }
        return ThemePackage.FromFiles(files);
    }

    private string Known(string name)
    {
        if (name != DefaultTheme && !File.Exists(PackagePath(name))) throw new MallNotFoundException($"Theme '{name}' is not installed.");
        return name;
    }

    private string PackagePath(string name)
    {
        if (!NamePattern().IsMatch(name)) throw new MallNotFoundException($"Theme '{name}' is not installed.");
        return Path.Combine(StorePath, name + ".malltheme");
    }
}
