using System.Collections.Frozen;
using System.Text;
using Microsoft.AspNetCore.StaticFiles;

namespace Mall.Admin;

/// <summary>The console's built files, embedded in this assembly as <c>MallAdmin/&lt;path&gt;</c> resources.</summary>
internal sealed class ConsoleAssets
{
    public const string Index = "index.html";
    private const string Prefix = "MallAdmin/";
    private const string BasePlaceholder = "<base href=\"/\">";
    private const string SettingsPlaceholder = "<!--mall-admin-settings-->";

    private readonly FrozenDictionary<string, ConsoleAsset> _files;

    private ConsoleAssets(FrozenDictionary<string, ConsoleAsset> files) => _files = files;

    /// <summary>Whether the package was built with its web assets (npm was found at build time).</summary>
    public bool IsBuilt => _files.ContainsKey(Index);

    public static ConsoleAssets Load()
    {
        var assembly = typeof(ConsoleAssets).Assembly;
        var types = new FileExtensionContentTypeProvider();
        var files = new Dictionary<string, ConsoleAsset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(Prefix, StringComparison.Ordinal)) continue;
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var path = name[Prefix.Length..].Replace('\\', '/');
            var type = types.TryGetContentType(path, out var t) ? t : "application/octet-stream";
            if (type.StartsWith("text/", StringComparison.Ordinal) || type is "application/javascript" or "text/javascript") type += "; charset=utf-8";
            files[path] = new ConsoleAsset(copy.ToArray(), type);
        }
        return new ConsoleAssets(files.ToFrozenDictionary(StringComparer.Ordinal));
    }

    public bool TryGet(string path, out ConsoleAsset asset) => _files.TryGetValue(path, out asset!);

    /// <summary>index.html with the console's base path and its settings (JSON) filled in.</summary>
    public string IndexHtml(string baseHref, string settingsJson)
    {
        if (!IsBuilt)
            return "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Mall console</title><body><h1>The console's assets were not built</h1>" +
                   "<p>Mall.Admin was built without npm. Install Node.js 20.19 or later (with npm) and build again; the admin API works without the console.</p></body></html>";
        var html = Encoding.UTF8.GetString(_files[Index].Content);
        return html.Replace(BasePlaceholder, $"<base href=\"{System.Net.WebUtility.HtmlEncode(baseHref)}\">", StringComparison.Ordinal)
            .Replace(SettingsPlaceholder, $"<script>window.__MALL_ADMIN__ = {settingsJson};</script>", StringComparison.Ordinal);
    }
}

/// <summary>One built file and its content type.</summary>
internal sealed record ConsoleAsset(byte[] Content, string ContentType);
