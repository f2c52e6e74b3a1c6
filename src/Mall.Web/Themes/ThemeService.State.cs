using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Mall.Themes;

namespace Mall.Web.Themes;

/// <summary>Theme state in the database (active theme, settings, page sections), read through a short-lived snapshot.</summary>
internal sealed partial class ThemeService
{
    /// <summary>A theme's settings and sections as last computed, with what they were computed from.</summary>
    private sealed record EffectiveState(ThemeRuntime Runtime, string? SettingsJson, string? PagesJson, JsonObject Settings, IReadOnlyDictionary<string, IReadOnlyList<ThemeSection>> Pages);

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
        await ChangedAsync().ConfigureAwait(false);
    }

    private Task<IReadOnlyList<ThemeRow>> StateAsync(CancellationToken cancellationToken)
    {
        EnsureSubscribed();
        return _state.GetAsync(async ct =>
        {
            await using var connection = await database.OpenConnectionAsync(ct).ConfigureAwait(false);
            var rows = (IReadOnlyList<ThemeRow>)(await connection.QueryAsync<ThemeRow>(new CommandDefinition(
                "SELECT name AS Name, version AS Version, base_name AS BaseName, is_active AS IsActive, settings AS Settings, pages AS Pages FROM mall_theme ORDER BY name",
                cancellationToken: ct)).ConfigureAwait(false)).ToList();
            // Packages installed (or replaced) on another node are fetched before anything renders with the new state.
            await FetchPackagesAsync(connection, ct).ConfigureAwait(false);
            return rows;
        }, cancellationToken);
    }

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
