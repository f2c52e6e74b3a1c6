using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dapper;
using Mall.Common;
using Mall.Data;
using Mall.Themes;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mall.Web.Themes;

/// <summary>An installed theme as the admin sees it.</summary>
/// <param name="Name">Name.</param>
/// <param name="Version">Version.</param>
/// <param name="Base">Base theme.</param>
/// <param name="BuiltIn">Shipped with Mall (cannot be removed).</param>
/// <param name="Active">Serves the storefront.</param>
/// <param name="SettingsSchema">Settings the merchant can change.</param>
/// <param name="Settings">Their values now.</param>
/// <param name="Pages">Page compositions now.</param>
internal sealed record ThemeInfo(string Name, string Version, string? Base, bool BuiltIn, bool Active, IReadOnlyList<ThemeSettingDefinition> SettingsSchema,
    JsonObject Settings, IReadOnlyDictionary<string, IReadOnlyList<ThemeSection>> Pages);

/// <summary>What checking a theme package found.</summary>
/// <param name="Name">Theme name.</param>
/// <param name="Version">Version.</param>
/// <param name="Templates">Templates compiled (its own and its bases').</param>
/// <param name="RawOutputs">Where it writes unescaped HTML.</param>
internal sealed record ThemeCheckResult(string Name, string Version, int Templates, IReadOnlyList<ThemeIssue> RawOutputs);

/// <summary>
/// Installs, checks, activates, configures and removes storefront themes at run time, and keeps each one compiled
/// (once per version; settings apply without recompiling). The built-in <c>default</c> theme ships inside Mall.Web.
/// State (which theme is active, settings, page layouts) is in <c>mall_theme</c>; packages in <c>Mall:Themes:StorePath</c>.
/// </summary>
internal sealed partial class ThemeService(
    IMallDatabase database, IEnumerable<ITemplateEngine> engines, Mall.Plugins.IExtensionRegistry extensions, IOptions<MallOptions> options,
    IHostEnvironment environment, TimeProvider clock, ILogger<ThemeService> logger)
{
    /// <summary>The built-in theme's name.</summary>
    public const string DefaultTheme = "default";

    private static readonly FileExtensionContentTypeProvider ContentTypes = new();
    private readonly ConcurrentDictionary<string, Lazy<ThemeRuntime>> _compiled = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, EffectiveState> _effective = new(StringComparer.Ordinal);
    private readonly CachedSnapshot<IReadOnlyList<ThemeRow>> _state = new(clock, options.Value.Themes.StateRefreshInterval);
    private readonly Lazy<ThemePackage> _builtIn = new(LoadBuiltIn);

    private string StorePath => Path.GetFullPath(options.Value.Themes.StorePath is { Length: > 0 } path ? path : Path.Combine("App_Data", "themes"), environment.ContentRootPath);

    /// <summary>Installed themes.</summary>
    public async Task<IReadOnlyList<ThemeInfo>> ListAsync(CancellationToken cancellationToken = default)
    {
        var rows = await StateAsync(cancellationToken).ConfigureAwait(false);
        var active = ActiveName(rows);
        var list = new List<ThemeInfo>();
        foreach (var name in rows.Select(r => r.Name).Append(DefaultTheme).Distinct())
        {
            var row = rows.FirstOrDefault(r => r.Name == name);
            try
            {
                var runtime = Runtime(name);
                list.Add(new ThemeInfo(name, runtime.Manifest.Version, runtime.Manifest.Base, name == DefaultTheme, name == active, runtime.SettingDefinitions,
                    runtime.EffectiveSettings(Parse(row?.Settings)), EffectivePages(runtime, row)));
            }
            catch (ThemeException ex)
            {
                logger.LogError(ex, "Installed theme {Theme} cannot be loaded.", name);
            }
        }
        return list;
    }

    /// <summary>
    /// The theme serving now (or the one named, for an admin's preview), with its settings and pages. The settings
    /// object and the sections are shared by every request until they change: read them, never modify them.
    /// </summary>
    /// <param name="preview">An installed theme to show instead (an admin's preview).</param>
    /// <param name="helperNames">The helpers there are now: a theme compiled with another set compiles again (a plugin's helper came or went).</param>
    /// <param name="cancellationToken">Cancels the state read.</param>
    public async Task<(ThemeRuntime Runtime, JsonObject Settings, IReadOnlyDictionary<string, IReadOnlyList<ThemeSection>> Pages)> CurrentAsync(
        string? preview, IReadOnlyCollection<string> helperNames, CancellationToken cancellationToken)
    {
        var rows = await StateAsync(cancellationToken).ConfigureAwait(false);
        var name = preview ?? ActiveName(rows);
        ThemeRuntime runtime;
        try
        {
            runtime = Runtime(name);
            if (!runtime.HelperNames.SetEquals(helperNames))
            {
                _compiled.TryRemove(name, out _);
                runtime = Runtime(name);
            }
        }
        catch (ThemeException ex) when (preview is null && name != DefaultTheme)
        {
            // A theme that no longer loads (its files gone) must not take the storefront down.
            logger.LogError(ex, "The active theme {Theme} cannot be loaded; serving the default theme.", name);
            runtime = Runtime(DefaultTheme);
            name = DefaultTheme;
        }
        // Settings and sections are parsed once per change, not on every page view.
        var row = rows.FirstOrDefault(r => r.Name == name);
        if (!_effective.TryGetValue(name, out var state) || state.Runtime != runtime || state.SettingsJson != row?.Settings || state.PagesJson != row?.Pages)
            _effective[name] = state = new EffectiveState(runtime, row?.Settings, row?.Pages, runtime.EffectiveSettings(Parse(row?.Settings)), EffectivePages(runtime, row));
        return (runtime, state.Settings, state.Pages);
    }

    /// <summary>A theme's settings and sections as last computed, with what they were computed from.</summary>
    private sealed record EffectiveState(ThemeRuntime Runtime, string? SettingsJson, string? PagesJson, JsonObject Settings, IReadOnlyDictionary<string, IReadOnlyList<ThemeSection>> Pages);

    /// <summary>Checks a package without installing it: manifest, base theme, every template compiled with its bases'.</summary>
    /// <exception cref="ThemeException">What is wrong, with file and line.</exception>
    public ThemeCheckResult Check(byte[] package)
    {
        var theme = ThemePackage.FromZip(new MemoryStream(package));
        if (theme.Manifest.Name == DefaultTheme) throw new ThemeException($"the name '{DefaultTheme}' belongs to the built-in theme; give yours its own", ThemeManifest.FileName);
        var runtime = Build(theme, strict: true);
        return new ThemeCheckResult(theme.Manifest.Name, theme.Manifest.Version, runtime.Compiled.TemplateNames.Count, runtime.RawOutputs);
    }

    /// <summary>Installs a theme package (or a new version of an installed theme, keeping its settings); it is not activated.</summary>
    public async Task<ThemeInfo> InstallAsync(byte[] package, CancellationToken cancellationToken = default)
    {
        var check = Check(package);
        Directory.CreateDirectory(StorePath);
        var file = PackagePath(check.Name);
        var temporary = file + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await File.WriteAllBytesAsync(temporary, package, cancellationToken).ConfigureAwait(false);
        File.Move(temporary, file, overwrite: true);
        Evict(check.Name);
        var runtime = Runtime(check.Name);
        var now = clock.GetUtcNow().UtcDateTime;
        await using (var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            await connection.ExecuteAsync(new CommandDefinition(
                database.Dialect.Upsert("mall_theme", ["name", "version", "base_name", "is_builtin", "is_active", "settings", "pages", "installed_at", "updated_at"],
                    ["@name", "@version", "@baseName", "@builtin", "@active", "@settings", "@pages", "@now", "@now"], ["name"], ["version", "base_name", "updated_at"]),
                new { name = check.Name, version = check.Version, baseName = runtime.Manifest.Base, builtin = false, active = false, settings = "{}", pages = "{}", now },
                cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        _state.Invalidate();
        logger.LogInformation("Theme {Theme} {Version} installed.", check.Name, check.Version);
        return (await ListAsync(cancellationToken).ConfigureAwait(false)).Single(t => t.Name == check.Name);
    }

    /// <summary>Makes a theme serve the storefront: one update, so every request sees the old theme or the new one.</summary>
    public async Task ActivateAsync(string name, CancellationToken cancellationToken = default)
    {
        Runtime(Known(name));
        await EnsureRowAsync(name, cancellationToken).ConfigureAwait(false);
        await database.InTransactionAsync(tx => tx.Connection!.ExecuteAsync(new CommandDefinition(
            "UPDATE mall_theme SET is_active = CASE WHEN name = @name THEN TRUE ELSE FALSE END, updated_at = @now",
            new { name, now = clock.GetUtcNow().UtcDateTime }, tx, cancellationToken: cancellationToken)), cancellationToken).ConfigureAwait(false);
        _state.Invalidate();
    }

    /// <summary>Saves settings (only the theme's setting ids, each of its type).</summary>
    public async Task<ThemeInfo> SaveSettingsAsync(string name, JsonObject? values, CancellationToken cancellationToken = default)
    {
        var runtime = Runtime(Known(name));
        if (values is null) throw new MallValidationException("body", "is a JSON object of settings.");
        var errors = new ValidationErrors();
        foreach (var (id, value) in values)
        {
            var definition = runtime.SettingDefinitions.FirstOrDefault(d => d.Id == id);
            if (definition is null) errors.Add(id, $"is not a setting of theme '{name}'.");
            else if (ThemeManifest.CheckValue(definition.Type, value) is { } problem) errors.Add(id, $"{problem}.");
        }
        errors.ThrowIfAny();
        await EnsureRowAsync(name, cancellationToken).ConfigureAwait(false);
        var rows = await StateAsync(cancellationToken).ConfigureAwait(false);
        var merged = Parse(rows.FirstOrDefault(r => r.Name == name)?.Settings) ?? [];
        foreach (var (id, value) in values) merged[id] = value?.DeepClone();
        await UpdateAsync(name, "settings", merged.ToJsonString(), cancellationToken).ConfigureAwait(false);
        return (await ListAsync(cancellationToken).ConfigureAwait(false)).Single(t => t.Name == name);
    }

    /// <summary>Saves the sections composing a page (types the theme has, in order, with their settings).</summary>
    public async Task<ThemeInfo> SavePageAsync(string name, string page, JsonNode? sections, CancellationToken cancellationToken = default)
    {
        var runtime = Runtime(Known(name));
        IReadOnlyList<ThemeSection> list;
        try
        {
            list = ThemeManifest.ReadSections(sections, "sections", "body");
        }
        catch (ThemeException ex)
        {
            throw new MallValidationException("sections", ex.Problem);
        }
        if (!runtime.Compiled.Has($"pages/{page}")) throw new MallValidationException("page", $"Theme '{name}' has no page '{page}'.");
        var unknown = list.FirstOrDefault(s => !runtime.Compiled.Has($"sections/{s.Type}"));
        if (unknown is not null) throw new MallValidationException("sections", $"Theme '{name}' has no section '{unknown.Type}'.");
        await EnsureRowAsync(name, cancellationToken).ConfigureAwait(false);
        var rows = await StateAsync(cancellationToken).ConfigureAwait(false);
        var pages = Parse(rows.FirstOrDefault(r => r.Name == name)?.Pages) ?? [];
        pages[page] = new JsonArray(list.Select(s => (JsonNode)new JsonObject { ["type"] = s.Type, ["settings"] = s.Settings.DeepClone() }).ToArray());
        await UpdateAsync(name, "pages", pages.ToJsonString(), cancellationToken).ConfigureAwait(false);
        return (await ListAsync(cancellationToken).ConfigureAwait(false)).Single(t => t.Name == name);
    }

    /// <summary>Removes an installed theme that is neither built in, active, nor the base of another.</summary>
    public async Task RemoveAsync(string name, CancellationToken cancellationToken = default)
    {
        if (name == DefaultTheme) throw new MallConflictException("The built-in theme cannot be removed.") { Code = "theme.builtin" };
        var rows = await StateAsync(cancellationToken).ConfigureAwait(false);
        if (!rows.Any(r => r.Name == name)) throw new MallNotFoundException($"Theme '{name}' is not installed.");
        if (ActiveName(rows) == name) throw new MallConflictException($"Theme '{name}' is active; activate another first.") { Code = "theme.active" };
        if (rows.FirstOrDefault(r => r.BaseName == name) is { } child) throw new MallConflictException($"Theme '{child.Name}' is based on '{name}'.") { Code = "theme.in_use" };
        await using (var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM mall_theme WHERE name = @name", new { name }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        File.Delete(PackagePath(name));
        Evict(name);
        _state.Invalidate();
    }

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

    private void Evict(string name)
    {
        // The theme and every theme built on it compile again.
        foreach (var key in _compiled.Keys)
            if (key == name || (_compiled.TryGetValue(key, out var lazy) && lazy.IsValueCreated && lazy.Value.Chain.Any(c => c.StartsWith(name + "@", StringComparison.Ordinal))))
                _compiled.TryRemove(key, out _);
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

    private async Task EnsureRowAsync(string name, CancellationToken cancellationToken)
    {
        var runtime = Runtime(name);
        var now = clock.GetUtcNow().UtcDateTime;
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            database.Dialect.InsertIgnoreDuplicate("mall_theme", ["name", "version", "base_name", "is_builtin", "is_active", "settings", "pages", "installed_at", "updated_at"],
                ["@name", "@version", "@baseName", "@builtin", "@active", "@settings", "@pages", "@now", "@now"], ["name"]),
            new { name, version = runtime.Manifest.Version, baseName = runtime.Manifest.Base, builtin = name == DefaultTheme, active = false, settings = "{}", pages = "{}", now },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    private async Task UpdateAsync(string name, string column, string json, CancellationToken cancellationToken)
    {
        await using (var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
            await connection.ExecuteAsync(new CommandDefinition(
                $"UPDATE mall_theme SET {column} = @json, updated_at = @now WHERE name = @name",
                new { json, now = clock.GetUtcNow().UtcDateTime, name }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        _state.Invalidate();
    }

    private Task<IReadOnlyList<ThemeRow>> StateAsync(CancellationToken cancellationToken) =>
        _state.GetAsync(async ct =>
        {
            await using var connection = await database.OpenConnectionAsync(ct).ConfigureAwait(false);
            return (IReadOnlyList<ThemeRow>)(await connection.QueryAsync<ThemeRow>(new CommandDefinition(
                "SELECT name AS Name, version AS Version, base_name AS BaseName, is_active AS IsActive, settings AS Settings, pages AS Pages FROM mall_theme ORDER BY name",
                cancellationToken: ct)).ConfigureAwait(false)).ToList();
        }, cancellationToken);

    private static string ActiveName(IReadOnlyList<ThemeRow> rows) => rows.FirstOrDefault(r => r.IsActive)?.Name ?? DefaultTheme;

    private static IReadOnlyDictionary<string, IReadOnlyList<ThemeSection>> EffectivePages(ThemeRuntime runtime, ThemeRow? row)
    {
        var pages = new Dictionary<string, IReadOnlyList<ThemeSection>>(runtime.Pages, StringComparer.Ordinal);
        if (Parse(row?.Pages) is { } saved)
            foreach (var (page, sections) in saved)
            {
                try
                {
                    var list = ThemeManifest.ReadSections(sections, page, "pages");
                    // A layout saved for an older version may name sections the theme no longer has: those are skipped.
                    pages[page] = list.Where(s => runtime.Compiled.Has($"sections/{s.Type}")).ToList();
                }
                catch (ThemeException)
                {
                }
            }
        return pages;
    }

    private static JsonObject? Parse(string? json)
    {
        if (string.IsNullOrEmpty(json)) return null;
        try
        {
            return JsonNode.Parse(json) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,49}$")]
    private static partial Regex NamePattern();

    private sealed class ThemeRow
    {
        public string Name { get; set; } = "";
        public string Version { get; set; } = "";
        public string? BaseName { get; set; }
        public bool IsActive { get; set; }
        public string Settings { get; set; } = "{}";
        public string Pages { get; set; } = "{}";
    }
}
