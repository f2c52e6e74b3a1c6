using Mall.Themes;

namespace Mall.Web.Themes;

/// <summary>Compiling themes: a theme and its bases into one runtime per version and helper set, kept until it changes.</summary>
internal sealed partial class ThemeService
{
    /// <summary>The compiled theme (cached per name; evicted when it changes).</summary>
    public ThemeRuntime Runtime(string name) =>
        _compiled.GetOrAdd(name, n => new Lazy<ThemeRuntime>(() => Build(Load(n), strict: false), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    /// <param name="theme">The package.</param>
    /// <param name="strict">The check (calls to unknown functions are errors) rather than an installed theme compiled again.</param>
    private ThemeRuntime Build(ThemePackage theme, bool strict)
    {
        // The chain: the theme, then its base, its base's base… (files of the theme win).
        var chain = new List<ThemePackage> { theme };
        while (chain[^1].Manifest.Base is { } baseName)
        {
            if (chain.Count > 5 || chain.Any(t => t.Manifest.Name == baseName)) throw new ThemeException($"the base themes of '{theme.Manifest.Name}' go round in a circle or deeper than 5", ThemeManifest.FileName);
            chain.Add(Load(baseName, $"its base theme '{baseName}' is not installed"));
        }
        var engine = engines.FirstOrDefault(e => string.Equals(e.Name, theme.Manifest.Engine, StringComparison.OrdinalIgnoreCase))
            ?? throw new ThemeException($"uses the template engine '{theme.Manifest.Engine}', which this mall does not have (it has: {string.Join(", ", engines.Select(e => e.Name))}); " +
                "themes for Mall are written in Scriban (\"engine\": \"scriban\", templates ending in .sbn): see docs/themes.md", ThemeManifest.FileName);
        var templates = new Dictionary<string, ThemeSource>(StringComparer.Ordinal);
        var assets = new Dictionary<string, ThemeAsset>(StringComparer.Ordinal);
        var settings = new List<ThemeSettingDefinition>();
        var pages = new Dictionary<string, IReadOnlyList<ThemeSection>>(StringComparer.Ordinal);
        var locales = new Dictionary<string, Dictionary<string, string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var layer in Enumerable.Reverse(chain))
        {
            foreach (var (name, source) in layer.Templates(engine.Extension)) templates[name] = source;
            foreach (var (path, content) in layer.Files.Where(f => f.Key.StartsWith("assets/", StringComparison.Ordinal)))
                assets[path["assets/".Length..]] = new ThemeAsset(content, ThemePackage.Hash(content), ContentTypes.TryGetContentType(path, out var type) ? type : "application/octet-stream");
            foreach (var definition in layer.Manifest.Settings)
            {
                settings.RemoveAll(s => s.Id == definition.Id);
                settings.Add(definition);
            }
            foreach (var (page, sections) in layer.Manifest.Pages) pages[page] = sections;
            foreach (var culture in layer.Files.Keys.Where(k => k.StartsWith("locales/", StringComparison.Ordinal) && k.EndsWith(".json", StringComparison.Ordinal)).Select(k => k[8..^5]))
            {
                if (!locales.TryGetValue(culture, out var texts)) locales[culture] = texts = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (key, text) in layer.Locale(culture)) texts[key] = text;
            }
        }
        foreach (var required in new[] { "layouts/base", "pages/home", "pages/product", "pages/not-found", "pages/error" })
            if (!templates.ContainsKey(required)) throw new ThemeException($"has no {required}{engine.Extension} (nor does its base)", ThemeManifest.FileName);
        foreach (var (page, sections) in pages)
            foreach (var section in sections)
                if (!templates.ContainsKey($"sections/{section.Type}")) throw new ThemeException($"page '{page}' uses the section '{section.Type}', which has no template", ThemeManifest.FileName);

        HashSet<string> helperNames;
        using (var helpers = extensions.Acquire<ITemplateHelper>())
            helperNames = helpers.Items.Select(h => h.Instance.Name).ToHashSet(StringComparer.Ordinal);
        var compiled = engine.Compile(new ThemeSources(templates) { Strict = strict }, helperNames);
        return new ThemeRuntime(theme.Manifest, chain.Select(t => $"{t.Manifest.Name}@{t.Manifest.Version}").ToList(), compiled, settings, pages,
            locales.ToDictionary(l => l.Key, l => (IReadOnlyDictionary<string, string>)l.Value, StringComparer.OrdinalIgnoreCase), assets, compiled.RawOutputs) { HelperNames = helperNames };
    }

    private void Evict(string name)
    {
        // The theme and every theme built on it compile again.
        foreach (var key in _compiled.Keys)
            if (key == name || (_compiled.TryGetValue(key, out var lazy) && lazy.IsValueCreated && lazy.Value.Chain.Any(c => c.StartsWith(name + "@", StringComparison.Ordinal))))
                _compiled.TryRemove(key, out _);
    }
}
