using System.Net;
using System.Net.Http.Headers;
using Mall.Testing;
using Mall.Themes;
using Mall.Web.Tests.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace Mall.Web.Tests.Themes;

/// <summary>
/// The malicious theme corpus: packages that try to reach .NET internals, write into the model or the builtins,
/// evaluate code, loop forever, recurse exponentially, fan out, build huge strings, arrays and outputs, back-track
/// regular expressions or nest 100,000 deep. Each is refused by the theme check, stopped within its budget (the
/// theme's error page), or renders harmlessly; no output shows an internal, and <c>/health</c> and ordinary pages
/// answer during and after.
/// </summary>
public class ThemeLimitTests
{
    /// <summary>What must happen to a malicious theme.</summary>
    public enum Outcome
    {
        /// <summary>The theme check refuses the package (and install with it), naming this text.</summary>
        Refused,

        /// <summary>It installs; the page becomes the theme's error page (500).</summary>
        Stopped,

        /// <summary>It installs and the page renders (200) without reaching anything it must not.</summary>
        Harmless,
    }

    /// <summary>A malicious theme: its files (over the default theme), the outcome, and for refusals the text the problem names.</summary>
    public sealed record MaliciousTheme(string Name, Dictionary<string, string> Files, Outcome Outcome, string? Problem = null)
    {
        public override string ToString() => Name;
    }

    private static MaliciousTheme Search(string name, string template, Outcome outcome, string? problem = null) =>
        new(name, new() { ["pages/search.sbn"] = template }, outcome, problem);

    private static string Repeat(string text, int times) => string.Concat(Enumerable.Repeat(text, times));

    /// <summary>The corpus: at least twenty packages.</summary>
    public static IEnumerable<object[]> Corpus()
    {
        IEnumerable<MaliciousTheme> All()
        {
            // Member chains toward .NET internals find nothing: models are script data, other objects show no members.
            yield return Search("member chain to the assembly", "<p id=\"probe\">[{{ settings.GetType.Assembly.Location }}][{{ products[0].GetType }}][{{ page.GetType.Assembly }}]</p>", Outcome.Harmless);
            yield return Search("member chain through a helper's result", "<p id=\"probe\">[{{ (zone 'footer').GetType }}][{{ (raw 'x').Html }}][{{ (t 'x').Length.GetType }}]</p>", Outcome.Harmless);
            yield return Search("member chain through builtins", "<p id=\"probe\">[{{ string.GetType }}][{{ math.GetType.Assembly }}][{{ money.Method }}]</p>", Outcome.Harmless);
            yield return Search("this and the argument list", "<p id=\"probe\">[{{ this.RequestServices }}][{{ $.GetType }}][{{ this.settings.GetType }}]</p>", Outcome.Harmless);
            // Writes into the model or the shared builtins fail; other renders never see them.
            yield return Search("write into a product", "{{ products[0].name = 'hacked' }}", Outcome.Stopped);
            yield return Search("write into the shared settings", "{{ settings.storeName = 'pwned' }}", Outcome.Stopped);
            yield return Search("redefine a builtin function", "{{ string.upcase = 'x' }}", Outcome.Stopped);
            yield return Search("shadow a helper for this render only", "{{ money = 'x' }}{{ settings = 'y' }}<p id=\"probe\">[]</p>", Outcome.Harmless);
            // Evaluation and loaders are not there.
            yield return Search("object.eval", "{{ object.eval 'products' }}", Outcome.Refused, "object.eval");
            yield return Search("object.eval_template", "{{ object.eval_template '{{ 1 }}' }}", Outcome.Refused, "object.eval_template");
            yield return Search("include_join", "{{ include_join ['a'] ',' }}", Outcome.Refused, "include_join");
            yield return Search("include outside the theme", "{{ include '../../../etc/passwd' }}", Outcome.Refused, "../../../etc/passwd");
            yield return Search("include by a computed name", "{{ name = 'header'; include name }}", Outcome.Refused, "computed name");
            // Work without end.
            yield return Search("infinite loop", "{{ while true }}x{{ end }}", Outcome.Stopped);
            yield return Search("nested loops", Repeat("{{ for a in products }}", 12) + "x" + Repeat("{{ end }}", 12), Outcome.Stopped);
            yield return Search("helpers in nested loops", Repeat("{{ for a in products }}", 10) + "{{ money a.price }}" + Repeat("{{ end }}", 10), Outcome.Stopped);
            yield return Search("exponential recursion through a function", "{{ func f(n); if n > 0; f(n - 1); f(n - 1); end; end; f(60) }}", Outcome.Stopped);
            yield return Search("endless recursion through a function", "{{ func f(n); f(n + 1); end; f(0) }}", Outcome.Stopped);
            yield return new("self-including partial", new() { ["partials/again.sbn"] = "{{ include 'again' }}", ["pages/search.sbn"] = "{{ include 'again' }}" }, Outcome.Stopped);
            // Ten partials, each including the next ten times: 10^9 renders, refused before it can serve.
            var fanOut = Enumerable.Range(0, 10).ToDictionary(i => $"partials/f{i}.sbn", i => i == 9 ? "" : Repeat($"{{{{ include 'f{i + 1}' }}}}", 10));
            fanOut["pages/search.sbn"] = "{{ include 'f0' }}";
            yield return new("fan-out of nested includes", fanOut, Outcome.Refused, "renders its partials");
            // A smaller fan-out (7,381 renders, under the check's limit) behind a loop: the step budget stops it.
            var hidden = Enumerable.Range(0, 5).ToDictionary(i => $"partials/h{i}.sbn", i => i == 4 ? "" : Repeat($"{{{{ include 'h{i + 1}' }}}}", 9));
            hidden["pages/search.sbn"] = "{{ for a in products }}{{ include 'h0' }}{{ end }}";
            yield return new("fan-out behind a loop", hidden, Outcome.Stopped);
            // Sizes: strings, arrays, output.
            // Strings never grow past MaxStringLength (1 Mi characters): the doubling levels off and the page stays bounded.
            yield return Search("doubling a string", "{{ s = 'xx'; for i in 1..40; s = s + s; end; s | string.size }}", Outcome.Harmless);
            yield return Search("string repetition", "{{ 'x' * 100000000 }}", Outcome.Stopped);
            yield return Search("padding", "{{ '' | string.pad_left 100000000 }}", Outcome.Stopped);
            yield return Search("doubling an array", "{{ a = [1, 2]; for i in 1..40; a = a | array.concat a; end; a | array.size }}", Outcome.Stopped);
            yield return Search("a huge range", "{{ (1..2000000000) | array.size }}", Outcome.Stopped);
            yield return Search("flooding the output", "{{ for i in 1..100000 }}" + new string('x', 100) + "{{ end }}", Outcome.Stopped);
            // Catastrophic back-tracking stops at the regex timeout.
            yield return Search("regex back-tracking", "{{ '" + new string('a', 40) + "!' | regex.match '^(a+)+$' }}", Outcome.Stopped);
            // 100,000-deep nesting is refused by the parser's limits, not a stack overflow.
            yield return Search("100k nested ifs", Repeat("{{ if true }}", 100_000) + Repeat("{{ end }}", 100_000), Outcome.Refused, "search.sbn");
            yield return Search("100k nested parentheses", "{{ " + new string('(', 100_000) + "1" + new string(')', 100_000) + " }}", Outcome.Refused, "search.sbn");
            yield return Search("100k nested arrays", "{{ " + new string('[', 100_000) + new string(']', 100_000) + " }}", Outcome.Refused, "search.sbn");
            // Unknown functions are errors at check time, not at render time.
            yield return Search("unknown function", "{{ products | shell 'rm -rf /' }}", Outcome.Refused, "shell");
        }
        return All().Select(theme => new object[] { theme });
    }

    [Fact]
    public void The_corpus_has_at_least_twenty_packages() => Assert.True(Corpus().Count() >= 20);

    [Theory, MemberData(nameof(Corpus))]
    public async Task A_malicious_theme_is_refused_stopped_or_harmless_and_the_site_keeps_answering(MaliciousTheme theme)
    {
        await using var app = await MallApp.StartAsync(TestDatabase.Providers[0], settings: [new("Mall:Themes:MaxRenderSteps", "100000")]);
        await ProductsAsync(app, 3);
        var package = ThemeTests.Theme("malicious", @base: "default", files: theme.Files);
        using var check = await PostZipAsync(app, "/api/admin/themes/check", package);
        var checkBody = await check.Content.ReadAsStringAsync();
        if (theme.Outcome == Outcome.Refused)
        {
            Assert.True(check.StatusCode == HttpStatusCode.BadRequest, $"{theme.Name}: the check answered {(int)check.StatusCode} {checkBody}");
            Assert.Contains(theme.Problem!, checkBody);
            Assert.Contains("malicious/", checkBody);
            AssertNoInternals(checkBody);
            using var install = await PostZipAsync(app, "/api/admin/themes", package);
            Assert.Equal(HttpStatusCode.BadRequest, install.StatusCode);
            return;
        }
        Assert.True(check.IsSuccessStatusCode, $"{theme.Name}: {checkBody}");
        using (var installed = await PostZipAsync(app, "/api/admin/themes", package))
            Assert.True(installed.IsSuccessStatusCode, await installed.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NoContent, (await app.Admin.PostAsync("/api/admin/themes/malicious/activate", null)).StatusCode);
        var storeName = (await ThemeTests.PageAsync(app.Anonymous, "/")).QuerySelector(".brand")!.TextContent;

        for (var i = 0; i < 2; i++)
        {
            // The malicious page, with /health and an ordinary page asked while it renders.
            var page = app.Anonymous.GetAsync("/search?q=Flow");
            using (var health = await app.Anonymous.GetAsync("/health")) Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            using (var home = await app.Anonymous.GetAsync("/")) Assert.Equal(HttpStatusCode.OK, home.StatusCode);
            using var response = await page;
            var html = await response.Content.ReadAsStringAsync();
            AssertNoInternals(html);
            if (theme.Outcome == Outcome.Stopped)
            {
                Assert.True(response.StatusCode == HttpStatusCode.InternalServerError, $"{theme.Name}: {(int)response.StatusCode} {html[..Math.Min(300, html.Length)]}");
                Assert.Contains("出错了", html);
            }
            else
            {
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{theme.Name}: {(int)response.StatusCode} {html[..Math.Min(300, html.Length)]}");
                if (ThemeTests.Parse(html).QuerySelector("#probe") is { } probe) Assert.Matches(@"^(\[\])+$", probe.TextContent);
            }
        }
        // Nothing it did outlives its render: the same store name, the same product names, money still formats.
        var after = await ThemeTests.PageAsync(app.Anonymous, "/");
        Assert.Equal(storeName, after.QuerySelector(".brand")!.TextContent);
        Assert.All(after.QuerySelectorAll("a.card .name"), name => Assert.StartsWith("Flow product", name.TextContent));
        Assert.All(after.QuerySelectorAll("a.card .price"), price => Assert.StartsWith("¥", price.TextContent));
        using (var health = await app.Anonymous.GetAsync("/health")) Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    /// <summary>No type names, stack traces, file paths or engine messages reach a shopper or a theme author's check.</summary>
    private static void AssertNoInternals(string text)
    {
        foreach (var leak in new[] { "System.", "Scriban.", "Exception", "   at ", "Mall.Web", "/work/", "/tmp/", "RuntimeType", "Assembly" })
            Assert.DoesNotContain(leak, text);
    }

    [Fact]
    public async Task A_render_that_outlasts_its_time_budget_becomes_the_error_page()
    {
        // Steps unlimited, so only the clock can stop it.
        await using var app = await MallApp.StartAsync(TestDatabase.Providers[0], settings: [new("Mall:Themes:MaxRenderSteps", int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture)), new("Mall:Themes:RenderTimeout", "00:00:00.300")]);
        await ProductsAsync(app, 3);
        await ActivateAsync(app, new() { ["pages/search.sbn"] = "{{ while true }}{{ end }}" });
        using var page = await app.Anonymous.GetAsync("/search?q=Flow");
        Assert.Equal(HttpStatusCode.InternalServerError, page.StatusCode);
        Assert.Contains("出错了", await page.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_render_stops_when_its_request_is_aborted()
    {
        var counter = new CountingHelper();
        await using var app = await MallApp.StartAsync(TestDatabase.Providers[0],
            services => services.AddSingleton<ITemplateHelper>(counter),
            settings: [new("Mall:Themes:MaxRenderSteps", int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture)), new("Mall:Themes:RenderTimeout", "00:10:00")]);
        await ProductsAsync(app, 3);
        await ActivateAsync(app, new() { ["pages/search.sbn"] = "{{ while true }}{{ count }}{{ end }}" });

        using (var abort = new CancellationTokenSource())
        {
            var request = app.Anonymous.GetAsync("/search?q=Flow", abort.Token);
            await PluginHostTests.WaitForAsync(() => Task.FromResult(counter.Calls > 1000));
            abort.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        }
        // The render has stopped: the count stands still.
        long stopped = 0;
        await PluginHostTests.WaitForAsync(async () =>
        {
            var before = counter.Calls;
            await Task.Delay(500);
            stopped = counter.Calls;
            return stopped == before;
        });
        await Task.Delay(500);
        Assert.Equal(stopped, counter.Calls);
    }

    private static async Task ActivateAsync(MallApp app, Dictionary<string, string> files)
    {
        using var installed = await PostZipAsync(app, "/api/admin/themes", ThemeTests.Theme("runaway", @base: "default", files: files));
        Assert.True(installed.IsSuccessStatusCode, await installed.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NoContent, (await app.Admin.PostAsync("/api/admin/themes/runaway/activate", null)).StatusCode);
    }

    private static async Task ProductsAsync(MallApp app, int count)
    {
        for (var i = 0; i < count; i++) await ShopperFlowTests.PublishedProductAsync(app, stock: 1, price: 1m + i);
    }

    private static async Task<HttpResponseMessage> PostZipAsync(MallApp app, string url, byte[] package)
    {
        var content = new ByteArrayContent(package);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        return await app.Admin.PostAsync(url, content);
    }

    private sealed class CountingHelper : ITemplateHelper
    {
        private long _calls;

        public long Calls => Interlocked.Read(ref _calls);

        public string Name => "count";

        public string Invoke(RenderContext context, IReadOnlyList<object?> arguments, out bool raw)
        {
            raw = false;
            Interlocked.Increment(ref _calls);
            return "";
        }
    }
}
