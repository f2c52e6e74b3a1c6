using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mall.Common;

namespace Mall.Themes;

/// <summary>
/// A theme's files (a folder or a <c>.malltheme</c> zip), read into memory and checked: <c>theme.json</c>,
/// <c>layouts/</c>, <c>pages/</c>, <c>partials/</c>, <c>sections/</c> (templates), <c>locales/{culture}.json</c>,
/// <c>assets/</c>. Paths are relative, with forward slashes.
/// </summary>
public sealed class ThemePackage
{
    /// <summary>Largest package accepted (all files, uncompressed).</summary>
    public const long MaxBytes = 20 * 1024 * 1024;

    /// <summary>Most files a package may hold.</summary>
    public const int MaxFiles = 2000;

    private static readonly string[] TemplateFolders = ["layouts/", "pages/", "partials/", "sections/"];

    private ThemePackage(ThemeManifest manifest, IReadOnlyDictionary<string, byte[]> files)
    {
        Manifest = manifest;
        Files = files;
    }

    /// <summary>The manifest.</summary>
    public ThemeManifest Manifest { get; }

    /// <summary>Every file by relative path.</summary>
    public IReadOnlyDictionary<string, byte[]> Files { get; }

    /// <summary>Reads a <c>.malltheme</c> zip.</summary>
    /// <exception cref="ThemeException">Not a zip, too large, unsafe paths or a bad manifest.</exception>
    public static ThemePackage FromZip(Stream zip)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        try
        {
            using var archive = new ZipArchive(zip, ZipArchiveMode.Read, leaveOpen: true);
            long total = 0;
            foreach (var entry in archive.Entries)
            {
                if (entry.FullName.EndsWith('/')) continue;
                if (files.Count >= MaxFiles) throw new ThemeException($"has more than {MaxFiles} files");
                // The declared size can lie: count what is actually read.
                using var input = entry.Open();
                using var buffer = new MemoryStream();
                var chunk = new byte[81920];
                int read;
                while ((read = input.Read(chunk)) > 0)
                {
                    total += read;
                    if (total > MaxBytes) throw new ThemeException($"is larger than {MaxBytes / 1024 / 1024} MB uncompressed");
                    buffer.Write(chunk, 0, read);
                }
                files[Normalize(entry.FullName)] = buffer.ToArray();
            }
        }
        catch (InvalidDataException ex)
        {
            throw new ThemeException($"is not a zip file ({ex.Message})");
        }
        return FromFiles(StripSingleFolder(files));
    }

    /// <summary>Reads a theme folder.</summary>
    public static ThemePackage FromDirectory(string directory)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
            files[Normalize(Path.GetRelativePath(directory, path))] = File.ReadAllBytes(path);
        return FromFiles(files);
    }

    /// <summary>Checks files and reads the manifest.</summary>
    public static ThemePackage FromFiles(IReadOnlyDictionary<string, byte[]> files)
    {
        if (!files.TryGetValue(ThemeManifest.FileName, out var manifestBytes)) throw new ThemeException($"has no {ThemeManifest.FileName} at its root");
        // Decoding would turn bytes that are not UTF-8 into U+FFFD silently.
        if (!System.Text.Unicode.Utf8.IsValid(manifestBytes)) throw new ThemeException("is not valid UTF-8", ThemeManifest.FileName);
        var manifest = ThemeManifest.Read(Encoding.UTF8.GetString(manifestBytes), ThemeManifest.FileName);
        foreach (var (path, bytes) in files)
        {
            if (!path.StartsWith("locales/", StringComparison.Ordinal) || !path.EndsWith(".json", StringComparison.Ordinal)) continue;
            try
            {
                if (StrictJson.Parse(bytes) is not JsonObject) throw new ThemeException("must be a JSON object of texts", $"{manifest.Name}/{path}");
            }
            catch (JsonException ex)
            {
                throw new ThemeException($"is not valid JSON: {ex.Message}", $"{manifest.Name}/{path}", ex.LineNumber is { } l ? (int)l + 1 : null);
            }
        }
        return new ThemePackage(manifest, files);
    }

    /// <summary>Template sources by logical name (<c>pages/home</c>) for files with <paramref name="extension"/>.</summary>
    public IEnumerable<(string Name, ThemeSource Source)> Templates(string extension) =>
        Files.Where(f => f.Key.EndsWith(extension, StringComparison.Ordinal) && TemplateFolders.Any(t => f.Key.StartsWith(t, StringComparison.Ordinal)))
            .Select(f => (f.Key[..^extension.Length], new ThemeSource(Encoding.UTF8.GetString(f.Value), $"{Manifest.Name}/{f.Key}")));

    /// <summary>The theme's texts for <paramref name="culture"/> (flattened keys such as <c>cart.title</c>).</summary>
    public IReadOnlyDictionary<string, string> Locale(string culture)
    {
        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Files.TryGetValue($"locales/{culture}.json", out var bytes) && JsonNode.Parse(bytes) is JsonObject root) Flatten(root, "", texts);
        return texts;
    }

    /// <summary>A content hash of a file (for long-lived asset URLs).</summary>
    public static string Hash(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content))[..12];

    private static void Flatten(JsonObject node, string prefix, Dictionary<string, string> into)
    {
        foreach (var (key, value) in node)
        {
            var name = prefix.Length == 0 ? key : $"{prefix}.{key}";
            if (value is JsonObject child) Flatten(child, name, into);
            else if (value is JsonValue v && v.TryGetValue<string>(out var text)) into[name] = text;
        }
    }

    private static string Normalize(string path)
    {
        var normalized = path.Replace('\\', '/');
        if (normalized.StartsWith('/') || normalized.Split('/').Any(part => part is ".." or "." or "") || normalized.Contains(':'))
            throw new ThemeException($"has an unsafe path '{path}'");
        return normalized;
    }

    /// <summary>A zip of one folder holding the theme is read as that folder.</summary>
    private static Dictionary<string, byte[]> StripSingleFolder(Dictionary<string, byte[]> files)
    {
        if (files.ContainsKey(ThemeManifest.FileName)) return files;
        var roots = files.Keys.Select(k => k.Split('/')[0]).Distinct().ToList();
        if (roots.Count != 1) return files;
        var prefix = roots[0] + "/";
        return files.ToDictionary(f => f.Key.StartsWith(prefix, StringComparison.Ordinal) ? f.Key[prefix.Length..] : f.Key, f => f.Value, StringComparer.Ordinal);
    }
}
