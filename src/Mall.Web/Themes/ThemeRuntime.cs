using System.Text.Json.Nodes;
using Mall.Themes;

namespace Mall.Web.Themes;

/// <summary>A theme ready to render: compiled templates (with its base themes' underneath), locales, assets and settings schema.</summary>
internal sealed class ThemeRuntime
{
    internal ThemeRuntime(ThemeManifest manifest, IReadOnlyList<string> chain, ICompiledTheme compiled, IReadOnlyList<ThemeSettingDefinition> settings,
        IReadOnlyDictionary<string, IReadOnlyList<ThemeSection>> pages, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> locales,
        IReadOnlyDictionary<string, ThemeAsset> assets, IReadOnlyList<ThemeIssue> rawOutputs)
    {
        Manifest = manifest;
        Chain = chain;
        Compiled = compiled;
        SettingDefinitions = settings;
        Pages = pages;
        Locales = locales;
        Assets = assets;
        RawOutputs = rawOutputs;
    }

    /// <summary>The helpers the templates were compiled with.</summary>
    public IReadOnlySet<string> HelperNames { get; init; } = new HashSet<string>();

    /// <summary>The theme's manifest.</summary>
    public ThemeManifest Manifest { get; }

    /// <summary>The theme and its bases as <c>name@version</c>, the theme first.</summary>
    public IReadOnlyList<string> Chain { get; }

    /// <summary>Compiled templates.</summary>
    public ICompiledTheme Compiled { get; }

    /// <summary>Settings the merchant can change (the theme's over its bases').</summary>
    public IReadOnlyList<ThemeSettingDefinition> SettingDefinitions { get; }

    /// <summary>Default page compositions (the theme's over its bases').</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<ThemeSection>> Pages { get; }

    /// <summary>Texts per culture.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Locales { get; }

    /// <summary>Static files by path under <c>assets/</c>.</summary>
    public IReadOnlyDictionary<string, ThemeAsset> Assets { get; }

    /// <summary>Where templates write raw, unescaped HTML (<c>{{ x | raw }}</c>), for review.</summary>
    public IReadOnlyList<ThemeIssue> RawOutputs { get; }

    /// <summary>The merchant's values over the defaults.</summary>
    public JsonObject EffectiveSettings(JsonObject? saved)
    {
        var result = new JsonObject();
        foreach (var definition in SettingDefinitions)
            result[definition.Id] = saved?[definition.Id] is { } value && ThemeManifest.CheckValue(definition.Type, value) is null ? value.DeepClone() : definition.Default?.DeepClone();
        return result;
    }
}

/// <summary>A static file of a theme.</summary>
/// <param name="Content">Bytes.</param>
/// <param name="Hash">Content hash in its URL (so it can be cached for a year).</param>
/// <param name="ContentType">MIME type.</param>
internal sealed record ThemeAsset(byte[] Content, string Hash, string ContentType);

