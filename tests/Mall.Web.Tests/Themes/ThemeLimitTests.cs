using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Mall.Testing;
using Mall.Themes;
using Mall.Web.Tests.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace Mall.Web.Tests.Themes;

/// <summary>
/// Themes that try to pin a core (issue 15): a corpus of runaway templates, each refused by the theme check or stopped
/// at render time (a step budget, a time budget, the request aborted), while other pages keep serving. The corpus is
/// written in the built-in engine's language; a new engine brings its own spelling of the same cases.
/// </summary>
public class ThemeLimitTests
{
    /// <summary>A runaway template: the theme's files (over the default theme) and how it must be stopped.</summary>
    public sealed record RunawayCase(string Name, Dictionary<string, string> Files, bool RefusedByCheck);

    /// <summary>The corpus.</summary>
    public static IEnumerable<object[]> Corpus()
    {
        // Ten partials, each including the next ten times: 10^9 renders within the nesting limit, no output.
        var fanOut = Enumerable.Range(0, 10).ToDictionary(i => $"partials/f{i}.hbs", i => i == 9 ? "" : string.Concat(Enumerable.Repeat($"{{{{> f{i + 1}}}}}", 10)));
        fanOut["pages/search.hbs"] = "{{> f0}}";
        yield return [new RunawayCase("fan-out partials", fanOut, RefusedByCheck: true)];
        // A smaller fan-out (7,381 renders, under the check's limit) started from a loop over the products: the check
        // cannot prove it explosive (it does not know how long the list is); the step budget stops it.
        var hidden = Enumerable.Range(0, 5).ToDictionary(i => $"partials/h{i}.hbs", i => i == 4 ? "" : string.Concat(Enumerable.Repeat($"{{{{> h{i + 1}}}}}", 9)));
        hidden["pages/search.hbs"] = "{{#each products}}{{> h0}}{{/each}}";
        yield return [new RunawayCase("fan-out behind a loop", hidden, RefusedByCheck: false)];
        // Loops nested twelve deep over the page's products: 3^12 iterations.
        yield return [new RunawayCase("nested loops", new() { ["pages/search.hbs"] = string.Concat(Enumerable.Repeat("{{#each @root.products}}", 12)) + "x" + string.Concat(Enumerable.Repeat("{{/each}}", 12)) }, RefusedByCheck: false)];
        // A partial including itself: cut by the nesting limit.
        yield return [new RunawayCase("self-recursion", new() { ["partials/again.hbs"] = "{{> again}}", ["pages/search.hbs"] = "{{> again}}" }, RefusedByCheck: false)];
        // Helper calls in a loop nested over the products: each call is a step.
        yield return [new RunawayCase("helpers in nested loops", new() { ["pages/search.hbs"] = string.Concat(Enumerable.Repeat("{{#each @root.products}}", 10)) + "{{money price}}" + string.Concat(Enumerable.Repeat("{{/each}}", 10)) }, RefusedByCheck: false)];
    }

    [Theory, MemberData(nameof(Corpus))]
    public async Task A_runaway_theme_is_refused_by_the_check_or_stopped_by_the_step_budget_and_other_pages_keep_serving(RunawayCase runaway)
    {
        await using var app = await MallApp.StartAsync(TestDatabase.Providers[0], settings: [new("Mall:Themes:MaxRenderSteps", "20000")]);
        await ProductsAsync(app, 3);
        var package = ThemeTests.Theme("runaway", @base: "default", files: runaway.Files);
        using var check = await PostZipAsync(app, "/api/admin/themes/check", package);
        if (runaway.RefusedByCheck)
        {
            Assert.Equal(HttpStatusCode.BadRequest, check.StatusCode);
            var problem = await check.Content.ReadAsStringAsync();
            Assert.Contains("renders its partials", problem);
            Assert.Contains("runaway/pages/search.hbs", problem);
            Assert.Equal(HttpStatusCode.BadRequest, (await PostZipAsync(app, "/api/admin/themes", package)).StatusCode);
            return;
        }
        Assert.True(check.IsSuccessStatusCode, await check.Content.ReadAsStringAsync());
        Assert.True((await PostZipAsync(app, "/api/admin/themes", package)).IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await app.Admin.PostAsync("/api/admin/themes/runaway/activate", null)).StatusCode);

        // The page becomes the theme's error page; the others keep serving, before and after.
        for (var i = 0; i < 3; i++)
        {
            using var runawayPage = await app.Anonymous.GetAsync("/search?q=Flow");
            Assert.Equal(HttpStatusCode.InternalServerError, runawayPage.StatusCode);
            Assert.Contains("出错了", await runawayPage.Content.ReadAsStringAsync());
            using var home = await app.Anonymous.GetAsync("/");
            Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        }
    }

    [Fact]
    public async Task A_render_that_outlasts_its_time_budget_becomes_the_error_page()
    {
        // Steps unlimited, so only the clock can stop it.
        await using var app = await MallApp.StartAsync(TestDatabase.Providers[0], settings: [new("Mall:Themes:MaxRenderSteps", int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture)), new("Mall:Themes:RenderTimeout", "00:00:00.300")]);
        await ProductsAsync(app, 3);
        await ActivateAsync(app, new() { ["pages/search.hbs"] = string.Concat(Enumerable.Repeat("{{#each @root.products}}", 30)) + "x" + string.Concat(Enumerable.Repeat("{{/each}}", 30)) });
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
        await ActivateAsync(app, new() { ["pages/search.hbs"] = string.Concat(Enumerable.Repeat("{{#each @root.products}}", 30)) + "{{count}}" + string.Concat(Enumerable.Repeat("{{/each}}", 30)) });

        using (var abort = new CancellationTokenSource())
        {
            var request = app.Anonymous.GetAsync("/search?q=Flow", abort.Token);
            await PluginHostTests.WaitForAsync(() => Task.FromResult(counter.Calls > 1000));
            abort.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        }
        // The render has stopped: the count stands still (the page alone would take 3^30 calls).
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
