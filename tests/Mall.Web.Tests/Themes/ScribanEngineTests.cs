using System.Globalization;
using Mall.Themes;
using Mall.Web.Tests.Plugins;
using Mall.Web.Themes;
using Mall.Web.Themes.Scriban;
using Microsoft.Extensions.Options;

namespace Mall.Web.Tests.Themes;

/// <summary>The Scriban engine on its own: the default theme's templates, escaping, limits, parse-once sharing across threads.</summary>
public class ScribanEngineTests
{
    private static readonly MallOptions Defaults = new();

    /// <summary>The default theme's templates, compiled as the storefront compiles them.</summary>
    internal static ICompiledTheme DefaultTheme(MallOptions? options = null)
    {
        var package = ThemePackage.FromDirectory(Path.Combine(PluginBuilds.RepositoryRoot, "themes", "default"));
        var engine = new ScribanTemplateEngine(Options.Create(options ?? Defaults));
        return engine.Compile(new ThemeSources(package.Templates(engine.Extension).ToDictionary(t => t.Name, t => t.Source)), BuiltInTemplateHelpers.All().Select(h => h.Name).ToList());
    }

    internal static Dictionary<string, object?> Card(int i) => new()
    {
        ["id"] = i, ["name"] = $"Product <{i}>", ["subtitle"] = null, ["image"] = i % 2 == 0 ? $"/img/{i}.png" : null, ["price"] = 10.5m + i, ["href"] = $"/products/{i}",
    };

    private static string Render(ICompiledTheme theme, string template, Dictionary<string, object?> model, RenderBudget? budget = null)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        theme.Render(template, model, new TestRenderContext { Budget = budget ?? new RenderBudget(Defaults.Themes.MaxRenderSteps, Defaults.Themes.RenderTimeout) }, writer);
        return writer.ToString();
    }

    [Fact]
    public void A_category_page_of_a_thousand_products_renders_within_the_default_limits()
    {
        var theme = DefaultTheme();
        var budget = new RenderBudget(Defaults.Themes.MaxRenderSteps, Defaults.Themes.RenderTimeout);
        var html = Render(theme, "pages/category", new()
        {
            ["products"] = Enumerable.Range(1, 1000).Select(Card).ToList(), ["category"] = new Dictionary<string, object?> { ["name"] = "Big" },
            ["page"] = 1, ["totalPages"] = 42, ["baseUrl"] = "/category/1",
        }, budget);
        var page = ThemeTests.Parse(html);
        Assert.Equal(1000, page.QuerySelectorAll("a.card").Length);
        Assert.Equal("Product <1000>", page.QuerySelectorAll("a.card .name").Last().TextContent);
        Assert.Equal("¥1010.50", page.QuerySelectorAll("a.card .price").Last().TextContent);
        Assert.Equal(42, page.QuerySelectorAll("nav.paging a, nav.paging span").Length);
        // Well inside the default budget: a tenth of it.
        Assert.InRange(budget.Steps, 1000, Defaults.Themes.MaxRenderSteps / 10);
    }

    [Fact]
    public void Every_output_is_escaped_unless_written_through_raw()
    {
        var engine = new ScribanTemplateEngine(Options.Create(Defaults));
        var theme = engine.Compile(new ThemeSources(new Dictionary<string, ThemeSource>
        {
            ["pages/a"] = new("<p title=\"{{ text }}\">{{ text }}|{{ text | string.upcase }}|{{ text | raw }}|{{ 'x' + text }}|{{ (text | raw) + '' }}</p>", "t/pages/a.sbn"),
        }), []);
        var html = Render(theme, "pages/a", new() { ["text"] = "<b a=\"1\">'&" });
        Assert.Equal("<p title=\"&lt;b a=&quot;1&quot;&gt;&#39;&amp;\">&lt;b a=&quot;1&quot;&gt;&#39;&amp;|&lt;B A=&quot;1&quot;&gt;&#39;&amp;|<b a=\"1\">'&|x&lt;b a=&quot;1&quot;&gt;&#39;&amp;|&lt;b a=&quot;1&quot;&gt;&#39;&amp;</p>", html);
        // The check lists both uses of raw, where they are.
        Assert.Equal([("t/pages/a.sbn", 1), ("t/pages/a.sbn", 1)], theme.RawOutputs.Select(r => (r.File, r.Line)));
    }

    [Fact]
    public void A_theme_is_parsed_once_and_renders_on_many_threads_at_once()
    {
        var theme = DefaultTheme();
        var model = new Dictionary<string, object?> { ["products"] = Enumerable.Range(1, 24).Select(Card).ToList(), ["category"] = new Dictionary<string, object?> { ["name"] = "C" }, ["page"] = 1, ["totalPages"] = 1, ["baseUrl"] = "/c" };
        var expected = Render(theme, "pages/category", model);
        var results = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 16 }, _ => results.Add(Render(theme, "pages/category", model)));
        Assert.Equal(400, results.Count);
        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Fact]
    public void Variables_a_render_assigns_do_not_reach_the_next_render()
    {
        var engine = new ScribanTemplateEngine(Options.Create(Defaults));
        var theme = engine.Compile(new ThemeSources(new Dictionary<string, ThemeSource>
        {
            ["pages/a"] = new("{{ seen ?? 'fresh' }}{{ seen = 'dirty' }}{{ money = 'gone' }}", "t/pages/a.sbn"),
            ["pages/b"] = new("{{ money 1 }}", "t/pages/b.sbn"),
        }), ["money"]);
        Assert.Equal("fresh", Render(theme, "pages/a", []));
        Assert.Equal("fresh", Render(theme, "pages/a", []));
        Assert.Equal("¥1.00", Render(theme, "pages/b", []));
    }

    private sealed class TestRenderContext : RenderContext
    {
        private readonly Dictionary<string, ITemplateHelper> _helpers = BuiltInTemplateHelpers.All().ToDictionary(h => h.Name);

        public override string Culture => "en";

        public override string Translate(string key) => key;

        public override string AssetUrl(string path) => "/assets/" + path;

        public override string RenderZone(string zone) => "";

        public override string Money(decimal amount) => "¥" + amount.ToString("0.00", CultureInfo.InvariantCulture);

        public override ITemplateHelper? Helper(string name) => _helpers.GetValueOrDefault(name);
    }
}
