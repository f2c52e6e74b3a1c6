using System.Collections.Concurrent;
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
/// This file: the operations; <c>ThemeService.Packages.cs</c> the files, <c>ThemeService.State.cs</c> the state,
/// <c>ThemeService.Compilation.cs</c> compiling.
/// </summary>
internal sealed partial class ThemeService(
    IMallDatabase database, IEnumerable<ITemplateEngine> engines, Mall.Plugins.IExtensionRegistry extensions, IOptions<MallOptions> options,
    IHostEnvironment environment, TimeProvider clock, Mall.Clustering.IClusterBus bus, ILogger<ThemeService> logger) : IDisposable
{
    /// <summary>The cluster topic theme changes are announced on.</summary>
    public const string ClusterTopic = "mall.themes";

    /// <summary>The built-in theme's name.</summary>
    public const string DefaultTheme = "default";

    private static readonly FileExtensionContentTypeProvider ContentTypes = new();
    private readonly ConcurrentDictionary<string, Lazy<ThemeRuntime>> _compiled = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, EffectiveState> _effective = new(StringComparer.Ordinal);
    private readonly CachedSnapshot<IReadOnlyList<ThemeRow>> _state = new(clock, options.Value.Themes.StateRefreshInterval);
    private readonly Lazy<ThemePackage> _builtIn = new(LoadBuiltIn);
    private IDisposable? _subscription;

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
        await KeepPackageAsync(check.Name, check.Version, package, cancellationToken).ConfigureAwait(false);
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
        await ChangedAsync().ConfigureAwait(false);
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
        await ChangedAsync().ConfigureAwait(false);
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
        {
            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM mall_theme WHERE name = @name", new { name }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM mall_theme_package WHERE name = @name", new { name }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        File.Delete(PackagePath(name));
        _localPackages.TryRemove(name, out _);
        Evict(name);
        await ChangedAsync().ConfigureAwait(false);
    }

    /// <summary>Drops the state snapshot here and tells the other nodes to.</summary>
    private Task ChangedAsync()
    {
        _state.Invalidate();
        return bus.PublishAsync(ClusterTopic, "changed", CancellationToken.None);
    }

    /// <summary>
    /// Listens for other nodes' changes from the first state read on: a message (or a hint that some were missed) makes
    /// the next read take state and packages afresh.
    /// </summary>
    private void EnsureSubscribed()
    {
        if (Volatile.Read(ref _subscription) is not null) return;
        var subscription = bus.Subscribe(ClusterTopic, (_, _) =>
        {
            _state.Invalidate();
            return Task.CompletedTask;
        });
        if (Interlocked.CompareExchange(ref _subscription, subscription, null) is not null) subscription.Dispose();
    }

    public void Dispose() => _subscription?.Dispose();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,49}$")]
    private static partial Regex NamePattern();
}
