// The product page template of the default theme rendered by Mall's Scriban engine (issue 16: µs and allocations per
// render), against Scriban's own stock context rendering the same parsed templates without Mall's sandbox (escaping,
// step budget, read-only data) — the baseline of the same run.
// Usage: dotnet run -c Release --project bench/Mall.Bench.Themes
using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using Mall;
using Mall.Themes;
using Mall.Web.Themes;
using Mall.Web.Themes.Scriban;
using Microsoft.Extensions.Options;
using Scriban;
using Scriban.Runtime;

BenchmarkRunner.Run<ProductPageBenchmarks>(DefaultConfig.Instance.AddColumn(StatisticColumn.P95));

[MemoryDiagnoser]
[SimpleJob(warmupCount: 5, iterationCount: 20)]
public class ProductPageBenchmarks
{
    private readonly MallOptions _options = new();
    private ICompiledTheme _theme = null!;
    private Dictionary<string, object?> _model = [];
    private Template _stockBody = null!;
    private ScriptObject _stockModel = null!;
    private BenchRenderContext _context = null!;

    [GlobalSetup]
    public void Setup()
    {
        var root = AppContext.BaseDirectory;
        while (!Directory.Exists(Path.Combine(root, "themes", "default"))) root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("run from the repository");
        var package = ThemePackage.FromDirectory(Path.Combine(root, "themes", "default"));
        var engine = new ScribanTemplateEngine(Options.Create(_options));
        var sources = package.Templates(engine.Extension).ToDictionary(t => t.Name, t => t.Source);
        _theme = engine.Compile(new ThemeSources(sources), BuiltInTemplateHelpers.All().Select(h => h.Name).ToList());
        var skus = Enumerable.Range(1, 4).Select(i => (object?)new Dictionary<string, object?>
        {
            ["id"] = 100 + i, ["code"] = $"SKU-{i}", ["specs"] = $"Red / {i}", ["price"] = 99.5m + i, ["available"] = 10 * i, ["inStock"] = true, ["image"] = null,
        }).ToList();
        var product = new Dictionary<string, object?>
        {
            ["id"] = 42, ["name"] = "棉质 T 恤 <Cotton tee>", ["subtitle"] = "Soft & light", ["description"] = "Soft cotton, 180 g/m².", ["images"] = new List<object?> { "/img/1.png" },
            ["image"] = "/img/1.png", ["minPrice"] = 100.5m, ["maxPrice"] = 103.5m, ["priceRange"] = true, ["skus"] = skus, ["singleSku"] = false,
            ["specs"] = new List<object?> { new Dictionary<string, object?> { ["name"] = "Size", ["values"] = new List<object?> { "1", "2", "3", "4" } } },
        };
        _model = new Dictionary<string, object?>
        {
            ["product"] = ScriptData.Value(product), ["title"] = "棉质 T 恤",
            ["settings"] = ScriptData.Value(new Dictionary<string, object?> { ["storeName"] = "Mall 商城", ["primaryColor"] = "#e4393c", ["textColor"] = "#222222", ["fontFamily"] = "system-ui", ["logo"] = "", ["announcement"] = "", ["showCategories"] = true }),
            ["culture"] = "zh-CN", ["page"] = "product",
        };
        _context = new BenchRenderContext();

        // The baseline: Scriban's stock TemplateContext (no escaping, no budget, default builtins) over the same body.
        _stockBody = Template.Parse(sources["pages/product"].Text);
        _stockModel = new ScriptObject();
        foreach (var (key, value) in _model) _stockModel[key] = value;
        foreach (var helper in BuiltInTemplateHelpers.All()) _stockModel[helper.Name] = new StockHelper(helper, _context);
    }

    /// <summary>Baseline: the product body with Scriban's stock context.</summary>
    [Benchmark(Baseline = true)]
    public string StockScribanBody()
    {
        var context = new TemplateContext { LoopLimit = 0 };
        context.PushGlobal(_stockModel);
        return _stockBody.Render(context);
    }

    /// <summary>The product body through Mall's engine (escaping, step budget, read-only data).</summary>
    [Benchmark]
    public string MallBody() => Render("pages/product");

    /// <summary>The whole page as the storefront renders it: the body, then the layout with header and footer partials.</summary>
    [Benchmark]
    public string MallWholePage()
    {
        var page = new Dictionary<string, object?>(_model) { ["body"] = Render("pages/product") };
        return Render("layouts/base", page);
    }

    private string Render(string template, Dictionary<string, object?>? model = null)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        _theme.Render(template, model ?? _model, new BenchRenderContext { Budget = new RenderBudget(_options.Themes.MaxRenderSteps, _options.Themes.RenderTimeout) }, writer);
        return writer.ToString();
    }

    /// <summary>A helper called straight, as a plain Scriban function.</summary>
    private sealed class StockHelper(ITemplateHelper helper, RenderContext context) : ScribanFunction
    {
        public override object? Invoke(TemplateContext templateContext, Scriban.Syntax.ScriptNode? callerContext, ScriptArray arguments, Scriban.Syntax.ScriptBlockStatement? blockStatement) =>
            helper.Invoke(context, arguments.ToArray(), out _);
    }

    private sealed class BenchRenderContext : RenderContext
    {
        private static readonly Dictionary<string, ITemplateHelper> Helpers = BuiltInTemplateHelpers.All().ToDictionary(h => h.Name);

        public override string Culture => "zh-CN";

        public override string Translate(string key) => key;

        public override string AssetUrl(string path) => "/themes/default/1.0.0/abc/" + path;

        public override string RenderZone(string zone) => "";

        public override string Money(decimal amount) => "¥" + amount.ToString("0.00", CultureInfo.InvariantCulture);

        public override ITemplateHelper? Helper(string name) => Helpers.GetValueOrDefault(name);
    }
}
