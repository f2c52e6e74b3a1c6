using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Mall.Common;

namespace Mall.Themes;

/// <summary>The kind of a theme setting, which decides how the admin edits it and what values it takes.</summary>
public enum ThemeSettingType
{
    /// <summary>A CSS colour, <c>#rgb</c> or <c>#rrggbb</c>.</summary>
    Color,
    /// <summary>A font family name.</summary>
    Font,
    /// <summary>Text.</summary>
    Text,
    /// <summary>An image URL (absolute http(s) or site-relative).</summary>
    Image,
    /// <summary>On or off.</summary>
    Toggle,
}

/// <summary>One setting a theme offers the merchant.</summary>
/// <param name="Id">Name in templates (<c>{{ settings.primaryColor }}</c>).</param>
/// <param name="Type">Kind.</param>
/// <param name="Label">Shown in the admin.</param>
/// <param name="Default">Default value (string, or boolean for toggles).</param>
public sealed record ThemeSettingDefinition(string Id, ThemeSettingType Type, string Label, JsonNode? Default);

/// <summary>A section of a composed page: its template (<c>sections/{type}</c>) and its settings.</summary>
/// <param name="Type">Section template name, e.g. <c>hero</c>.</param>
/// <param name="Settings">Its settings (strings, numbers, booleans).</param>
public sealed record ThemeSection(string Type, JsonObject Settings);

/// <summary>
/// <c>theme.json</c>: name, version, author, the base theme it inherits from, the template engine, the settings the
/// merchant can change (with defaults) and the sections composing pages.
/// </summary>
public sealed record ThemeManifest
{
    /// <summary>File name of the manifest in a theme package.</summary>
    public const string FileName = "theme.json";

    /// <summary>Identifier (lowercase letters, digits, dashes).</summary>
    public required string Name { get; init; }
    /// <summary>Version (SemVer).</summary>
    public required string Version { get; init; }
    /// <summary>Author.</summary>
    public string? Author { get; init; }
    /// <summary>Description.</summary>
    public string? Description { get; init; }
    /// <summary>The theme this one inherits templates, partials, sections, locales, assets and settings from.</summary>
    public string? Base { get; init; }
    /// <summary>Template engine, <c>scriban</c> by default.</summary>
    public string Engine { get; init; } = "scriban";
    /// <summary>Settings with their defaults.</summary>
    public IReadOnlyList<ThemeSettingDefinition> Settings { get; init; } = [];
    /// <summary>Sections composing each page that has them (page name → sections in order).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<ThemeSection>> Pages { get; init; } = new Dictionary<string, IReadOnlyList<ThemeSection>>();

    private static readonly Regex NamePattern = new("^[a-z0-9][a-z0-9-]{0,49}$", RegexOptions.CultureInvariant);
    private static readonly Regex VersionPattern = new(@"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$", RegexOptions.CultureInvariant);
    private static readonly Regex ColorPattern = new("^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$", RegexOptions.CultureInvariant);

    /// <summary>Reads and checks <c>theme.json</c>.</summary>
    /// <exception cref="ThemeException">Bad JSON (with its line) or bad values, naming the file.</exception>
    public static ThemeManifest Read(string json, string file)
    {
        JsonObject root;
        try
        {
            root = StrictJson.Parse(Encoding.UTF8.GetBytes(json), relaxed: true)?.AsObject()
                ?? throw new ThemeException("is empty", file);
        }
        catch (JsonException ex)
        {
            throw new ThemeException($"is not valid JSON: {ex.Message}", file, ex.LineNumber is { } line ? (int)line + 1 : null);
        }
        catch (InvalidOperationException)
        {
            throw new ThemeException("must be a JSON object", file);
        }
        string? Text(string name) => root[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        var name = Text("name") ?? "";
        if (!NamePattern.IsMatch(name)) throw new ThemeException("\"name\" must be 1–50 lowercase letters, digits or dashes", file);
        var version = Text("version") ?? "";
        if (!VersionPattern.IsMatch(version)) throw new ThemeException("\"version\" must be a SemVer version such as 1.0.0", file);
        var baseName = Text("base");
        if (baseName is not null && (!NamePattern.IsMatch(baseName) || baseName == name)) throw new ThemeException("\"base\" must name another theme", file);

        var settings = new List<ThemeSettingDefinition>();
        if (root["settings"] is JsonArray list)
        {
            foreach (var item in list)
            {
                if (item is not JsonObject o || o["id"]?.GetValue<string>() is not { Length: > 0 } id)
                    throw new ThemeException("every setting needs an \"id\"", file);
                if (!Enum.TryParse<ThemeSettingType>(o["type"]?.GetValue<string>(), ignoreCase: true, out var type))
                    throw new ThemeException($"setting \"{id}\": \"type\" is color, font, text, image or toggle", file);
                var value = o["default"]?.DeepClone();
                if (CheckValue(type, value) is { } problem) throw new ThemeException($"setting \"{id}\": the default {problem}", file);
                if (settings.Any(s => s.Id == id)) throw new ThemeException($"setting \"{id}\" is defined twice", file);
                settings.Add(new ThemeSettingDefinition(id, type, o["label"]?.GetValue<string>() ?? id, value));
            }
        }
        var pages = new Dictionary<string, IReadOnlyList<ThemeSection>>();
        if (root["pages"] is JsonObject pageMap)
            foreach (var (page, node) in pageMap)
                pages[page] = ReadSections(node?["sections"], $"pages.{page}.sections", file);
        return new ThemeManifest
        {
            Name = name, Version = version, Author = Text("author"), Description = Text("description"), Base = baseName,
            Engine = Text("engine") ?? "scriban", Settings = settings, Pages = pages,
        };
    }

    /// <summary>Reads a section list (from <c>theme.json</c> or the merchant's layout of a page).</summary>
    public static IReadOnlyList<ThemeSection> ReadSections(JsonNode? node, string path, string file)
    {
        if (node is not JsonArray array) throw new ThemeException($"\"{path}\" must be an array of sections", file);
        if (array.Count > 50) throw new ThemeException($"\"{path}\" has more than 50 sections", file);
        var sections = new List<ThemeSection>();
        foreach (var item in array)
        {
            if (item is not JsonObject o || o["type"] is not JsonValue t || !t.TryGetValue<string>(out var type) || !NamePattern.IsMatch(type))
                throw new ThemeException($"every section of \"{path}\" needs a \"type\" (lowercase letters, digits, dashes)", file);
            var sectionSettings = o["settings"] as JsonObject ?? [];
            foreach (var (key, value) in sectionSettings)
                if (value is not JsonValue) throw new ThemeException($"section \"{type}\": setting \"{key}\" must be a string, number or boolean", file);
            sections.Add(new ThemeSection(type, (JsonObject)sectionSettings.DeepClone()));
        }
        return sections;
    }

    /// <summary>Why a value does not fit a setting type, or null.</summary>
    public static string? CheckValue(ThemeSettingType type, JsonNode? value)
    {
        if (type == ThemeSettingType.Toggle) return value is JsonValue b && b.TryGetValue<bool>(out _) ? null : "must be true or false";
        if (value is not JsonValue v || !v.TryGetValue<string>(out var text)) return "must be a string";
        if (text.Length > 1000) return "is longer than 1000 characters";
        return type switch
        {
            ThemeSettingType.Color when !ColorPattern.IsMatch(text) => "must be a colour like #e4393c",
            ThemeSettingType.Font when text.IndexOfAny(['<', '>', ';', '{', '}', '"', '\'', '\\']) >= 0 => "must be font family names without quotes",
            ThemeSettingType.Image when text.Length > 0 && !(text.StartsWith('/') && !text.StartsWith("//", StringComparison.Ordinal)) &&
                                        !text.StartsWith("https://", StringComparison.OrdinalIgnoreCase) && !text.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
                => "must be an http(s) URL or a site-relative path",
            _ => null,
        };
    }
}
