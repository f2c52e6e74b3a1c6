using Mall.Catalog;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mall.Plugins;
using Mall.Themes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mall.Web.Themes;

/// <summary>
/// Renders storefront pages with the active theme (or an admin's preview): the page template into the layout, with
/// widgets of enabled plugins in their zones. A render error or an oversized page becomes the theme's error page
/// (or a plain one), logged, with status 500 — never an unhandled failure.
/// </summary>
internal sealed class StorefrontRenderer(ThemeService themes, IExtensionRegistry extensions, IEnumerable<ITemplateEngine> engines, IOptions<MallOptions> options,
    IMemoryCache cache, ILogger<StorefrontRenderer> logger) : IStorefrontPages
{
    /// <summary>Cookie holding the shopper's language.</summary>
    public const string LanguageCookie = "mall_lang";

    // Compiled widget templates, per widget instance: weak, so that a plugin's unload is not held up.
    private readonly ConditionalWeakTable<IStorefrontWidget, ICompiledTheme> _widgets = new();

    // Theme settings and section settings as template values, converted once per settings object (the theme service
    // hands out the same objects until they change).
    private readonly ConditionalWeakTable<JsonObject, object?> _plain = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ICompiledTheme> _pluginPages = new(StringComparer.Ordinal);

    // Plugins' view models become plain JSON values as the API would write them (camelCase, enums as names).
    private readonly JsonSerializerOptions _modelJson = new(JsonSerializerOptions.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) } };

    /// <summary>
    /// Renders a plugin's own storefront page inside the active theme's layout: <paramref name="template"/> (in the
    /// theme engine's language, escaped by default) with <paramref name="model"/> (flattened to plain JSON values, like
    /// a widget's) as the page body. The page gets the theme's helpers, settings, texts and assets like any page.
    /// </summary>
    /// <param name="http">The request.</param>
    /// <param name="page">The page's name (e.g. <c>bargain</c>; the layout sees it as <c>page</c>).</param>
    /// <param name="template">The page body's template.</param>
    /// <param name="model">The page's own view model.</param>
    /// <param name="title">The page title.</param>
    public Task<IResult> RenderPluginPageAsync(HttpContext http, string page, string template, object model, string? title)
    {
        var plain = Plain(JsonSerializer.SerializeToNode(model, model.GetType(), _modelJson)) as Dictionary<string, object?> ?? [];
        plain["title"] = title;
        return RenderAsync(http, page, () => plain, preview: null, pluginTemplate: template);
    }

    /// <summary>Renders <paramref name="page"/> (e.g. <c>product</c>) with <paramref name="model"/> as the response.</summary>
    public Task<IResult> RenderAsync(HttpContext http, string page, Dictionary<string, object?> model, string? preview, int statusCode = 200, long? productId = null, IReadOnlyList<Sku>? skus = null) =>
        RenderAsync(http, page, () => model, preview, statusCode, productId, pluginTemplate: null, skus: skus);

    /// <summary>
    /// The product page, kept for <see cref="MallThemeOptions.RenderedPageCacheDuration"/> per read of the product
    /// (<paramref name="productRead"/>: the object read, by reference); <paramref name="model"/> is built only when
    /// the page is rendered.
    /// </summary>
    internal Task<IResult> RenderProductAsync(HttpContext http, long productId, IReadOnlyList<Sku> skus, object productRead, Func<Dictionary<string, object?>> model, string? preview) =>
        RenderAsync(http, "product", model, preview, 200, productId, pluginTemplate: null, productRead, skus);

    private async Task<IResult> RenderAsync(HttpContext http, string page, Func<Dictionary<string, object?>> buildModel, string? preview, int statusCode = 200, long? productId = null, string? pluginTemplate = null, object? productRead = null, IReadOnlyList<Sku>? skus = null)
    {
        var culture = Culture(http);
        // Helpers of the host and of enabled plugins, held for this render; the host's win a name clash.
        using var helperLease = extensions.Acquire<ITemplateHelper>();
        var helpers = new Dictionary<string, ITemplateHelper>(StringComparer.Ordinal);
        foreach (var (helper, _) in helperLease.Items) helpers.TryAdd(helper.Name, helper);
        var (runtime, settings, pages) = await themes.CurrentAsync(preview, helpers.Keys, http.RequestAborted).ConfigureAwait(false);
        // A product page is the same for every shopper (per-shopper parts are filled in by its script): it is kept for
        // a few seconds per product, theme build, settings, page layout, language, helpers and widgets. A change to any
        // of them makes a new key; the product itself is re-read on its own schedule.
        var keep = options.Value.Themes.RenderedPageCacheDuration;
        // Widget zones are not part of what is kept: the kept page holds a marker per zone, filled in on every request.
        RenderedPageKey? cacheKey = null;
        var marked = false;
        var limits = options.Value.Themes;
        if (productRead is not null && productId is not null && preview is null && keep > TimeSpan.Zero)
        {
            using var widgetLease = extensions.Acquire<IStorefrontWidget>();
            marked = widgetLease.Items.Count > 0;
            cacheKey = new RenderedPageKey(productId.Value, culture, runtime, settings, pages, Identity(helperLease.Items), Identity(widgetLease.Items), productRead);
            if (cache.TryGetValue(cacheKey, out KeptPage? kept) && kept is not null)
            {
                // Without widgets the kept page is final, already UTF-8.
                if (kept.Utf8 is { } bytes) return Results.Bytes(bytes, HtmlContentType);
                var widgetBudget = new RenderBudget(limits.MaxRenderSteps, limits.RenderTimeout, http.RequestAborted);
                var fresh = await ZonesAsync(page, productId, skus, culture, helpers, widgetBudget, http.RequestAborted).ConfigureAwait(false);
                return Html(FillZones(kept.Html, fresh), statusCode);
            }
        }
        var model = buildModel();
        // One budget for the whole page (widgets, sections, body, layout): steps, time, and the shopper leaving.
        var budget = new RenderBudget(limits.MaxRenderSteps, limits.RenderTimeout, http.RequestAborted);
        var zones = await ZonesAsync(page, productId, skus, culture, helpers, budget, http.RequestAborted).ConfigureAwait(false);
        var context = new StorefrontRenderContext(runtime, culture, options.Value.Themes.DefaultCulture, zones, helpers, marked ? _zoneMarker : null) { Budget = budget };
        // The page's values become read-only script data once, shared by the sections, the body and the layout.
        foreach (var key in model.Keys.ToList()) model[key] = Scriban.ScriptData.Value(model[key]);
        model["settings"] = _plain.GetValue(settings, Frozen);
        model["culture"] = culture;
        model["theme"] = new Dictionary<string, object?> { ["name"] = runtime.Manifest.Name, ["version"] = runtime.Manifest.Version };
        model["page"] = page;
        try
        {
            if (pages.TryGetValue(page, out var sections))
            {
                var rendered = new List<Dictionary<string, object?>>();
                foreach (var section in sections)
                {
                    var sectionModel = new Dictionary<string, object?>(model) { ["section"] = _plain.GetValue(section.Settings, Frozen) };
                    rendered.Add(new Dictionary<string, object?> { ["type"] = section.Type, ["html"] = Render(runtime, $"sections/{section.Type}", sectionModel, context) });
                }
                model["sections"] = Scriban.ScriptData.Value(rendered);
            }
            if (pluginTemplate is null)
            {
                model["body"] = Render(runtime, $"pages/{page}", model, context);
            }
            else
            {
                // Compiled once per template text (no plugin objects are kept, so the plugin still unloads).
                var compiled = _pluginPages.GetOrAdd(pluginTemplate, source => engines.First().Compile(new ThemeSources(new Dictionary<string, ThemeSource>
                {
                    ["page"] = new(source, $"plugin page '{page}'"),
                }), helpers.Keys.ToList()));
                using var writer = new BoundedWriter(options.Value.Themes.MaxOutputBytes);
                compiled.Render("page", model, context, writer);
                model["body"] = writer.ToString();
            }
            var html = Render(runtime, "layouts/base", model, context);
            if (cacheKey is not null)
            {
                cache.Set(cacheKey, new KeptPage(html, marked ? null : Encoding.UTF8.GetBytes(html)), new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = keep, Size = 1 });
                if (marked) html = FillZones(html, zones);
            }
            return Html(html, statusCode);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Theme {Theme} failed to render page {Page}.", runtime.Manifest.Name, page);
            // The error page gets a budget of its own (the page's may be spent).
            return ErrorPage(runtime, new StorefrontRenderContext(runtime, culture, limits.DefaultCulture, zones, helpers)
            {
                Budget = new RenderBudget(limits.MaxRenderSteps, limits.RenderTimeout, http.RequestAborted),
            }, model);
        }
    }

    // Marks a zone in a kept page: a control character and a per-process nonce, so no content can forge one.
    private readonly string _zoneMarker = "\u0001" + Guid.NewGuid().ToString("N") + ":";

    /// <summary>The kept page with each zone marker replaced by this request's widget HTML (or nothing).</summary>
    private string FillZones(string html, IReadOnlyDictionary<string, string> zones)
    {
        var at = html.IndexOf(_zoneMarker, StringComparison.Ordinal);
        if (at < 0) return html;
        var result = new StringBuilder(html.Length + 256);
        var from = 0;
        while (at >= 0)
        {
            var end = html.IndexOf('\u0001', at + _zoneMarker.Length);
            if (end < 0) break;
            result.Append(html, from, at - from).Append(zones.GetValueOrDefault(html[(at + _zoneMarker.Length)..end]) ?? "");
            from = end + 1;
            at = html.IndexOf(_zoneMarker, from, StringComparison.Ordinal);
        }
        return result.Append(html, from, html.Length - from).ToString();
    }

    /// <summary>What a rendered product page depends on. Extensions are named by plugin and instance (never held).</summary>
    private sealed record RenderedPageKey(long ProductId, string Culture, ThemeRuntime Runtime, JsonObject Settings, object Pages, string Helpers, string Widgets, object ProductRead);

    /// <summary>A kept page: its HTML (with zone markers when there are widgets), or its final UTF-8 bytes when there are none.</summary>
    private sealed record KeptPage(string Html, byte[]? Utf8);

    // The host's extensions are the same for the app's life: only plugins' (and which instances) tell sets apart.
    private static string Identity<T>(IReadOnlyList<Extension<T>> items) where T : class
    {
        var plugins = 0;
        foreach (var item in items) if (item.PluginId is not null) plugins++;
        return plugins == 0 ? "" : string.Join(',', items.Where(i => i.PluginId is not null).Select(i => $"{i.PluginId}#{RuntimeHelpers.GetHashCode(i.Instance)}"));
    }

    private IResult ErrorPage(ThemeRuntime runtime, StorefrontRenderContext context, Dictionary<string, object?> model)
    {
        try
        {
            var error = new Dictionary<string, object?> { ["settings"] = model["settings"], ["culture"] = model["culture"], ["theme"] = model["theme"], ["page"] = "error" };
            error["body"] = Render(runtime, "pages/error", error, context);
            return Html(Render(runtime, "layouts/base", error, context), 500);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Theme {Theme} failed to render its error page.", runtime.Manifest.Name);
            return Html("<!doctype html><html><head><meta charset=\"utf-8\"><title>Error</title></head><body><h1>Something went wrong</h1><p><a href=\"/\">Home</a></p></body></html>", 500);
        }
    }

    private string Render(ThemeRuntime runtime, string template, object model, RenderContext context)
    {
        using var writer = new BoundedWriter(options.Value.Themes.MaxOutputBytes);
        runtime.Compiled.Render(template, model, context, writer);
        return writer.ToString();
    }

    private async Task<IReadOnlyDictionary<string, string>> ZonesAsync(string page, long? productId, IReadOnlyList<Sku>? skus, string culture,
        IReadOnlyDictionary<string, ITemplateHelper> helpers, RenderBudget budget, CancellationToken cancellationToken)
    {
        var zones = new Dictionary<string, string>(StringComparer.Ordinal);
        using var widgets = extensions.Acquire<IStorefrontWidget>();
        if (widgets.Items.Count == 0) return zones;
        // Only when some widget asks: where it renders, with the product's SKU ids.
        var where = new WidgetContext(page, productId, culture) { SkuIds = skus is null ? [] : [.. skus.Select(s => s.Id)] };
        var engine = engines.First();
        foreach (var (widget, pluginId) in widgets.Items)
        {
            try
            {
                if (await widget.ModelAsync(where, cancellationToken).ConfigureAwait(false) is not { } model) continue;
                var compiled = _widgets.GetValue(widget, w => engine.Compile(new ThemeSources(new Dictionary<string, ThemeSource>
                {
                    ["widget"] = new(w.Template, $"{pluginId ?? "host"}/{w.Zone}"),
                }), helpers.Keys.ToList()));
                using var writer = new BoundedWriter(options.Value.Themes.MaxOutputBytes);
                // The plugin's model becomes plain dictionaries (camelCase): the template cannot walk the plugin's object
                // graph, and the host's template caches never hold the plugin's types (which would keep it from unloading).
                compiled.Render("widget", Plain(JsonSerializer.SerializeToNode(model, model.GetType(), _modelJson)) ?? new Dictionary<string, object?>(), new StorefrontRenderContext(null, where.Culture, where.Culture, zones, helpers) { Budget = budget }, writer);
                zones[widget.Zone] = zones.TryGetValue(widget.Zone, out var before) ? before + writer : writer.ToString();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One broken widget leaves its zone empty; the page renders.
                logger.LogError(ex, "Widget of {Plugin} for zone {Zone} failed.", pluginId ?? "host", widget.Zone);
            }
        }
        return zones;
    }

    /// <summary>The shopper's language: <c>?lang=</c> (remembered in a cookie), the cookie, or the store's default.</summary>
    public string Culture(HttpContext http)
    {
        var fallback = options.Value.Themes.DefaultCulture;
        if (http.Request.Query.TryGetValue("lang", out var lang) && Supported(lang.ToString()) is { } chosen)
        {
            http.Response.Cookies.Append(LanguageCookie, chosen, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Lax, MaxAge = TimeSpan.FromDays(365) });
            return chosen;
        }
        return http.Request.Cookies.TryGetValue(LanguageCookie, out var cookie) && Supported(cookie) is { } remembered ? remembered : fallback;
    }

    private static string? Supported(string? culture) => culture switch
    {
        "zh-CN" or "zh" => "zh-CN",
        "en" or "en-US" => "en",
        _ => null,
    };

    /// <summary>JSON settings as read-only script data (converted once per settings object).</summary>
    private static object? Frozen(JsonObject values) => Scriban.ScriptData.Value(Plain(values));

    /// <summary>JSON settings as plain dictionaries of strings, numbers and booleans, for templates.</summary>
    private static Dictionary<string, object?> Plain(JsonObject values)
    {
        var plain = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in values) plain[key] = Plain(value);
        return plain;
    }

    /// <summary>Any JSON as dictionaries, lists, strings, numbers and booleans.</summary>
    private static object? Plain(JsonNode? node) => node switch
    {
        JsonObject o => Plain(o),
        JsonArray a => a.Select(Plain).ToList(),
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<decimal>(out var d) => d,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => null,
    };

    private const string HtmlContentType = "text/html; charset=utf-8";

    private static IResult Html(string html, int status) => Results.Content(html, HtmlContentType, Encoding.UTF8, status);

    /// <summary>A writer that refuses to grow past a bound (a runaway template becomes an error page, not a memory spike).</summary>
    private sealed class BoundedWriter(int maxChars) : StringWriter(CultureInfo.InvariantCulture)
    {
        public override void Write(char value)
        {
            Check(1);
            base.Write(value);
        }

        public override void Write(string? value)
        {
            Check(value?.Length ?? 0);
            base.Write(value);
        }

        public override void Write(char[] buffer, int index, int count)
        {
            Check(count);
            base.Write(buffer, index, count);
        }

        public override void Write(ReadOnlySpan<char> buffer)
        {
            Check(buffer.Length);
            base.Write(buffer);
        }

        private void Check(int adding)
        {
            if (GetStringBuilder().Length + adding > maxChars) throw new ThemeException($"the page is larger than {maxChars} characters");
        }
    }

    private sealed class StorefrontRenderContext(
        ThemeRuntime? runtime, string culture, string fallbackCulture, IReadOnlyDictionary<string, string> zones, IReadOnlyDictionary<string, ITemplateHelper> helpers,
        string? zoneMarker = null) : RenderContext
    {
        public override ITemplateHelper? Helper(string name) => helpers.GetValueOrDefault(name);

        public override string Culture => culture;

        public override string Translate(string key)
        {
            if (runtime is null) return key;
            if (runtime.Locales.TryGetValue(culture, out var texts) && texts.TryGetValue(key, out var text)) return text;
            return runtime.Locales.TryGetValue(fallbackCulture, out var fallback) && fallback.TryGetValue(key, out var other) ? other : key;
        }

        public override string AssetUrl(string path) =>
            runtime is not null && runtime.Assets.TryGetValue(path, out var asset)
                ? $"/themes/{runtime.Manifest.Name}/{runtime.Manifest.Version}/{asset.Hash}/{path}"
                : $"/themes/missing/{Uri.EscapeDataString(path)}";

        // A page being kept gets a marker, filled with the zone's HTML per request.
        public override string RenderZone(string zone) => zoneMarker is not null ? zoneMarker + zone + "\u0001" : zones.TryGetValue(zone, out var html) ? html : "";

        public override string Money(decimal amount) => "¥" + amount.ToString("0.00", CultureInfo.InvariantCulture);
    }
}
