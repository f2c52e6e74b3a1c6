using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Mall.Testing;
using Mall.Web.Tests.Plugins;
using Mall.Web.Themes;
using Microsoft.Extensions.DependencyInjection;

namespace Mall.Web.Tests.Themes;

/// <summary>The theme-rendered storefront: every page type, inheritance, sections, widgets, escaping, bad themes, hot switching.</summary>
public class ThemeTests
{
    private static readonly HtmlParser Parser = new();

    [Fact]
    public async Task Every_page_type_renders_with_the_default_theme_in_both_languages()
    {
        await using var app = await MallApp.StartAsync(TestDatabase.Providers[0]);
        var (productId, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 7, price: 25.5m);

        var home = await PageAsync(app.Anonymous, "/");
        Assert.Equal("zh-CN", home.DocumentElement.GetAttribute("lang"));
        Assert.Equal(["hero", "categories", "product-grid"], home.QuerySelectorAll(".section").Select(s => s.ClassList.Last()["section-".Length..]));
        var card = Assert.Single(home.QuerySelectorAll("a.card"));
        Assert.Equal($"/products/{productId}", card.GetAttribute("href"));
        Assert.Equal("¥25.50", card.QuerySelector(".price")!.TextContent);
        Assert.Equal("新品上架", home.QuerySelector(".product-grid h2")!.TextContent);

        var product = await PageAsync(app.Anonymous, $"/products/{productId}");
        Assert.Equal("Flow product", product.QuerySelector("h1")!.TextContent);
        var sku = Assert.Single(product.QuerySelectorAll("button.sku"));
        Assert.Equal(skuId.ToString(System.Globalization.CultureInfo.InvariantCulture), sku.GetAttribute("data-sku-id"));
        Assert.Equal("7", sku.GetAttribute("data-available"));
        Assert.NotNull(product.QuerySelector("#add-to-cart"));

        var categoryId = (await CatalogApiTests.GetJsonAsync(app.Anonymous, $"/api/v1/catalog/products/{productId}")).GetProperty("categoryId").GetInt64();
        Assert.Single((await PageAsync(app.Anonymous, $"/category/{categoryId}")).QuerySelectorAll("a.card"));
        Assert.Single((await PageAsync(app.Anonymous, "/search?q=Flow")).QuerySelectorAll("a.card"));
        Assert.NotNull((await PageAsync(app.Anonymous, "/search?q=nothing-like-this")).QuerySelector("p.empty"));
        foreach (var (url, selector) in new[] { ("/cart", "#cart"), ("/checkout", "#place-order"), ("/orders", "#orders"), ("/orders/12", "#order"), ("/login", "#login-form"), ("/register", "#register-form") })
            Assert.NotNull((await PageAsync(app.Anonymous, url)).QuerySelector(selector));

        // Not found: the theme's page with 404, for unknown paths and products alike; API paths keep problem details.
        foreach (var url in new[] { "/no-such-page", "/products/999999", "/category/999999" })
        {
            using var response = await app.Anonymous.GetAsync(url);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("页面不存在", Parser.ParseDocument(await response.Content.ReadAsStringAsync()).QuerySelector("h1")!.TextContent);
        }
        using (var api = await app.Anonymous.GetAsync("/api/v1/no-such-thing"))
            Assert.Equal("application/problem+json", api.Content.Headers.ContentType!.MediaType);

        // English on request, remembered by a cookie.
        var en = await PageAsync(app.Anonymous, "/?lang=en");
        Assert.Equal("en", en.DocumentElement.GetAttribute("lang"));
        Assert.Equal("New arrivals", en.QuerySelector(".product-grid h2")!.TextContent);

        // Assets: content-hashed URLs cached for a year.
        var css = home.QuerySelector("link[rel=stylesheet]")!.GetAttribute("href")!;
        using var asset = await app.Anonymous.GetAsync(css);
        Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        Assert.Equal("text/css", asset.Content.Headers.ContentType!.MediaType);
        Assert.Contains("immutable", asset.Headers.CacheControl!.ToString());
    }

    [Fact]
    public async Task Output_is_escaped_and_templates_see_only_their_view_models()
    {
        await using var app = await MallApp.StartAsync(TestDatabase.Providers[0]);
        var category = await app.PostOkAsync("/api/admin/catalog/categories", new { name = "X" });
        var product = await app.PostOkAsync("/api/admin/catalog/products", new
        {
            name = "<script>alert(1)</script>", categoryId = category.GetProperty("id").GetInt64(), description = "<p>Soft <b>cotton</b></p><script>x()</script>",
            skus = new[] { new { code = "ESC-1", price = 1m, stock = 1 } },
        });
        var id = product.GetProperty("id").GetInt64();
        await app.PostOkAsync($"/api/admin/catalog/products/{id}/publish", new { });
        await PutOkAsync(app, "/api/admin/themes/default/settings", new { announcement = "<img src=x onerror=alert(1)>" });

        var html = await app.Anonymous.GetStringAsync($"/products/{id}");
        Assert.DoesNotContain("<script>alert(1)</script>", html);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
        Assert.DoesNotContain("<img src=x", html);
        var page = Parser.ParseDocument(html);
        Assert.Equal("<script>alert(1)</script>", page.QuerySelector("h1")!.TextContent);
        Assert.Equal("Soft cotton x()", page.QuerySelector(".description p")!.TextContent);   // rich text shown as plain text
        Assert.Empty(page.QuerySelectorAll("main script"));

        // A theme that tries to reach server internals through the model finds nothing there.
        var probe = await InstallAsync(app, Theme("probe", @base: "default", files: new()
        {
            ["pages/home.sbn"] = "<p id=\"probe\">[{{ settings.GetType.Assembly.Location }}][{{ products[0].GetType }}][{{ this.RequestServices }}][{{ settings.storeName.GetType }}]</p>",
        }));
        Assert.Equal(HttpStatusCode.Created, probe.StatusCode);
        var previewed = await PageAsync(app.Admin, "/?theme=probe");
        Assert.Equal("[][][][]", previewed.QuerySelector("#probe")!.TextContent);
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task A_child_theme_overrides_its_base_is_previewed_by_admins_only_and_switches_under_load_without_a_failed_request(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        await ShopperFlowTests.PublishedProductAsync(app, stock: 3, price: 9m);
        var child = Theme("autumn", @base: "default", files: new()
        {
            ["partials/product-card.sbn"] = "<a class=\"card autumn\" href=\"{{ card.href }}\"><span class=\"name\">{{ card.name }}</span><span class=\"price\">{{ card.price | money }}</span></a>",
            ["locales/zh-CN.json"] = """{ "home": { "newArrivals": "秋季新品" } }""",
        }, settings: """[{ "id": "primaryColor", "type": "color", "label": "Primary", "default": "#aa5500" }]""");
        Assert.Equal(HttpStatusCode.Created, (await InstallAsync(app, child)).StatusCode);

        // Not active yet: shoppers see the default theme, also when asking for a preview; admins can preview.
        Assert.Empty((await PageAsync(app.Anonymous, "/?theme=autumn")).QuerySelectorAll("a.card.autumn"));
        var preview = await PageAsync(app.Admin, "/?theme=autumn");
        Assert.Single(preview.QuerySelectorAll("a.card.autumn"));
        Assert.Equal("秋季新品", preview.QuerySelector(".product-grid h2")!.TextContent);     // its own text
        Assert.Equal("好物不贵，正品保障", preview.QuerySelector(".hero p")!.TextContent);       // the base's text
        Assert.Contains("--primary: #aa5500", preview.QuerySelector("style")!.TextContent);     // its own default
        using (var css = await app.Anonymous.GetAsync(preview.QuerySelector("link[rel=stylesheet]")!.GetAttribute("href")))
            Assert.Equal(HttpStatusCode.OK, css.StatusCode);                                   // the base's asset, under the child's URL

        // Switch back and forth while 8 clients load the home page without pause: no failed request.
        using var stop = new CancellationTokenSource();
        var seen = new System.Collections.Concurrent.ConcurrentBag<bool>();
        var failures = 0;
        var load = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            using var client = app.NewClient();
            while (!stop.IsCancellationRequested)
            {
                using var response = await client.GetAsync("/");
                var body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.OK || !body.Contains("</html>", StringComparison.Ordinal)) Interlocked.Increment(ref failures);
                seen.Add(body.Contains("card autumn", StringComparison.Ordinal));
            }
        })).ToList();
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(HttpStatusCode.NoContent, (await app.Admin.PostAsync($"/api/admin/themes/{(i % 2 == 0 ? "autumn" : "default")}/activate", null)).StatusCode);
            // Let every client load pages under this theme (a count, not a pause: CI machines are slow in bursts).
            var served = seen.Count + 16;
            await PluginHostTests.WaitForAsync(() => Task.FromResult(seen.Count >= served));
        }
        stop.Cancel();
        await Task.WhenAll(load);
        Assert.Equal(0, failures);
        Assert.Contains(true, seen);
        Assert.Contains(false, seen);

        // Settings are checked against the schema; the active theme cannot be removed, an inactive one can.
        Assert.Equal(HttpStatusCode.BadRequest, (await app.Admin.PutAsJsonAsync("/api/admin/themes/autumn/settings", new { primaryColor = "red; background: url(x)" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await app.Admin.PutAsJsonAsync("/api/admin/themes/autumn/settings", new { noSuchSetting = "x" })).StatusCode);
        await PutOkAsync(app, "/api/admin/themes/autumn/settings", new { storeName = "Autumn Store" });
        await app.Admin.PostAsync("/api/admin/themes/autumn/activate", null);
        Assert.Equal("Autumn Store", (await PageAsync(app.Anonymous, "/")).QuerySelector(".brand")!.TextContent);
        Assert.Equal(HttpStatusCode.Conflict, (await app.Admin.DeleteAsync("/api/admin/themes/autumn")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await app.Admin.DeleteAsync("/api/admin/themes/default")).StatusCode);
        await app.Admin.PostAsync("/api/admin/themes/default/activate", null);
        Assert.Equal(HttpStatusCode.NoContent, (await app.Admin.DeleteAsync("/api/admin/themes/autumn")).StatusCode);
        Assert.DoesNotContain((await CatalogApiTests.GetJsonAsync(app.Admin, "/api/admin/themes")).EnumerateArray(), t => t.GetProperty("name").GetString() == "autumn");
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task The_merchant_rearranges_home_page_sections_and_plugins_fill_widget_zones(string provider)
    {
        await using var app = await MallApp.StartAsync(provider, services => services.AddSingleton<IStorefrontWidget, CountdownWidget>());
        await ShopperFlowTests.PublishedProductAsync(app, stock: 3, price: 9m);

        await PutOkAsync(app, "/api/admin/themes/default/pages/home", new object[]
        {
            new { type = "product-grid", settings = new { title = "Hot <now>" } },
            new { type = "hero", settings = new { title = "Big sale" } },
        });
        var home = await PageAsync(app.Anonymous, "/");
        Assert.Equal(["product-grid", "hero"], home.QuerySelectorAll(".section").Select(s => s.ClassList.Last()["section-".Length..]));
        Assert.Equal("Hot <now>", home.QuerySelector(".product-grid h2")!.TextContent);
        Assert.Equal("Big sale", home.QuerySelector(".hero h1")!.TextContent);
        Assert.Equal(HttpStatusCode.BadRequest, (await app.Admin.PutAsJsonAsync("/api/admin/themes/default/pages/home", new object[] { new { type = "no-such-section" } })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await app.Admin.PutAsJsonAsync("/api/admin/themes/default/pages/home", new { type = "hero" })).StatusCode);

        // The widget renders its own template with its own model in its zone, escaped.
        var widget = home.QuerySelector(".countdown");
        Assert.NotNull(widget);
        Assert.Equal("Ends <soon>", widget.TextContent);
        Assert.Null((await PageAsync(app.Anonymous, "/cart")).QuerySelector(".countdown"));   // only where its zone is
    }

    [Fact]
    public async Task Broken_themes_are_refused_with_file_and_line_and_nothing_is_installed()
    {
        await using var app = await MallApp.StartAsync(TestDatabase.Providers[0]);
        var cases = new (byte[] Package, string File, int? Line)[]
        {
            (Theme("broken-syntax", @base: "default", files: new() { ["pages/home.sbn"] = "<p>ok</p>\n<p>{{ for p in products }}{{ p.name }}</p>\n" }), "broken-syntax/pages/home.sbn", null),
            (Theme("missing-partial", @base: "default", files: new() { ["pages/product.sbn"] = "<h1>x</h1>\n\n{{ include \"no-such-partial\" }}\n" }), "missing-partial/pages/product.sbn", 3),
            (Theme("unknown-function", @base: "default", files: new() { ["pages/product.sbn"] = "<h1>x</h1>\n{{ product.name | shout }}\n" }), "unknown-function/pages/product.sbn", 2),
            (Theme("eval", @base: "default", files: new() { ["pages/home.sbn"] = "{{ object.eval \"1 + 1\" }}" }), "eval/pages/home.sbn", 1),
            (Theme("old-engine", @base: "default", manifest: "{ \"name\": \"old-engine\", \"version\": \"1.0.0\", \"base\": \"default\", \"engine\": \"handlebars\" }"), "theme.json", null),
            (Theme("bad-json", @base: "default", manifest: "{ \"name\": \"bad-json\",\n  \"version\": \"1.0.0\"\n  \"base\": \"default\" }"), "theme.json", 3),
            (Theme("bad-setting", @base: "default", settings: """[{ "id": "primaryColor", "type": "color", "default": "not-a-colour" }]"""), "theme.json", null),
            (Theme("bad-locale", @base: "default", files: new() { ["locales/en.json"] = "{ \"a\": \n }" }), "bad-locale/locales/en.json", 2),
            (Theme("no-base", @base: "no-such-theme"), "", null),
            (Theme("incomplete"), "theme.json", null),
            (Encoding.UTF8.GetBytes("not a zip"), "", null),
        };
        foreach (var (package, file, line) in cases)
        {
            foreach (var url in new[] { "/api/admin/themes/check", "/api/admin/themes" })
            {
                using var response = await PostPackageAsync(app, url, package);
                var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
                Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{url} {file}: {(int)response.StatusCode} {problem}");
                Assert.Equal("theme.invalid", problem.GetProperty("code").GetString());
                if (file.Length > 0) Assert.Equal(file, problem.GetProperty("file").GetString());
                if (line is not null) Assert.Equal(line, problem.GetProperty("line").GetInt32());
            }
        }
        Assert.Equal(["default"], (await CatalogApiTests.GetJsonAsync(app.Admin, "/api/admin/themes")).EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        Assert.Empty(Directory.Exists(app.ThemeStore()) ? Directory.GetFiles(app.ThemeStore()) : []);

        // The check lists where a theme writes raw HTML.
        using var check = await PostPackageAsync(app, "/api/admin/themes/check", Theme("rawish", @base: "default", files: new() { ["pages/search.sbn"] = "<div>\n{{ query | raw }}\n</div>" }));
        var result = await check.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, check.StatusCode);
        Assert.Contains(result.GetProperty("rawOutputs").EnumerateArray(), r => r.GetProperty("file").GetString() == "rawish/pages/search.sbn" && r.GetProperty("line").GetInt32() == 2);
        // Only owners manage themes.
        using var shopper = await app.ShopperAsync("13900000001");
        var refused = await shopper.GetAsync("/api/admin/themes");
        Assert.True(refused.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized, $"answered {(int)refused.StatusCode}");
    }

    [Fact]
    public async Task A_page_too_large_or_failing_to_render_becomes_an_error_page_and_the_site_stays_up()
    {
        await using var app = await MallApp.StartAsync(TestDatabase.Providers[0], settings: [new("Mall:Themes:MaxOutputBytes", "3000")]);
        for (var i = 0; i < 3; i++) await ShopperFlowTests.PublishedProductAsync(app, stock: 3, price: 9m);
        var huge = Theme("huge", @base: "default", files: new() { ["pages/search.sbn"] = "{{ for p in products }}" + new string('x', 4000) + "{{ end }}" });
        Assert.Equal(HttpStatusCode.Created, (await InstallAsync(app, huge)).StatusCode);
        await app.Admin.PostAsync("/api/admin/themes/huge/activate", null);

        using var broken = await app.Anonymous.GetAsync("/search?q=Flow");
        Assert.Equal(HttpStatusCode.InternalServerError, broken.StatusCode);
        Assert.Contains("出错了", await broken.Content.ReadAsStringAsync());
        using var fine = await app.Anonymous.GetAsync("/login");
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
    }

    [Fact]
    public async Task The_product_page_is_kept_rendered_but_settings_and_widgets_are_never_stale()
    {
        var ticker = new TickerWidget();
        await using var app = await MallApp.StartAsync(TestDatabase.Providers[0], services => services.AddSingleton<IStorefrontWidget>(ticker));
        var (productId, _) = await ShopperFlowTests.PublishedProductAsync(app, stock: 3, price: 9m);
        var first = await app.Anonymous.GetStringAsync($"/products/{productId}");
        var second = await app.Anonymous.GetStringAsync($"/products/{productId}");
        // The widget renders afresh into the kept page on every request; the rest is the same page.
        Assert.Equal("tick 1", Parse(first).QuerySelector(".ticker")!.TextContent);
        Assert.Equal("tick 2", Parse(second).QuerySelector(".ticker")!.TextContent);
        Assert.Equal(first.Replace("tick 1", "tick 2", StringComparison.Ordinal), second);
        Assert.DoesNotContain("\u0001", second, StringComparison.Ordinal);
        // A settings change is a new page at once, in both languages.
        await PutOkAsync(app, "/api/admin/themes/default/settings", new { storeName = "Renamed store" });
        Assert.Equal("Renamed store", (await PageAsync(app.Anonymous, $"/products/{productId}")).QuerySelector(".brand")!.TextContent);
        Assert.Equal("Renamed store", (await PageAsync(app.Anonymous, $"/products/{productId}?lang=en")).QuerySelector(".brand")!.TextContent);
        Assert.Equal("en", (await PageAsync(app.Anonymous, $"/products/{productId}?lang=en")).DocumentElement.GetAttribute("lang"));
    }

    private sealed class TickerWidget : IStorefrontWidget
    {
        private int _ticks;

        public string Zone => "product_after_price";

        public string Template => "<p class=\"ticker\">tick {{ tick }}</p>";

        public Task<object?> ModelAsync(WidgetContext context, CancellationToken cancellationToken) =>
            Task.FromResult<object?>(new Dictionary<string, object?> { ["tick"] = Interlocked.Increment(ref _ticks) });
    }

    internal static IHtmlDocument Parse(string html) => Parser.ParseDocument(html);

    internal static async Task<IHtmlDocument> PageAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url} → {(int)response.StatusCode}: {html[..Math.Min(html.Length, 500)]}");
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        return Parser.ParseDocument(html);
    }

    private static async Task PutOkAsync(MallApp app, string url, object body)
    {
        using var response = await app.Admin.PutAsJsonAsync(url, body);
        Assert.True(response.IsSuccessStatusCode, $"PUT {url} → {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    private static Task<HttpResponseMessage> InstallAsync(MallApp app, byte[] package) => PostPackageAsync(app, "/api/admin/themes", package);

    private static Task<HttpResponseMessage> PostPackageAsync(MallApp app, string url, byte[] package)
    {
        var content = new ByteArrayContent(package);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        return app.Admin.PostAsync(url, content);
    }

    /// <summary>A .malltheme zip: theme.json (or the given manifest) and files.</summary>
    internal static byte[] Theme(string name, string? @base = null, Dictionary<string, string>? files = null, string? settings = null, string? manifest = null)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            void Add(string path, string text)
            {
                using var writer = new StreamWriter(zip.CreateEntry(path).Open(), new UTF8Encoding(false));
                writer.Write(text);
            }
            Add("theme.json", manifest ?? $$"""{ "name": "{{name}}", "version": "1.0.0", "author": "test"{{(@base is null ? "" : $", \"base\": \"{@base}\"")}}{{(settings is null ? "" : $", \"settings\": {settings}")}} }""");
            foreach (var (path, text) in files ?? []) Add(path, text);
        }
        return buffer.ToArray();
    }

    private sealed class CountdownWidget : IStorefrontWidget
    {
        public string Zone => "home_top";

        public string Template => "<div class=\"countdown\">{{ label }}</div>";

        public Task<object?> ModelAsync(WidgetContext context, CancellationToken cancellationToken) =>
            Task.FromResult<object?>(context.Page == "home" ? new Dictionary<string, object?> { ["label"] = "Ends <soon>" } : null);
    }
}
