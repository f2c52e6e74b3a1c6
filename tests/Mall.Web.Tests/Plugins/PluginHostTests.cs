using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Mall.Testing;
using Mall.Web.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace Mall.Web.Tests.Plugins;

/// <summary>Plugins built by the test, installed into a running host, called, upgraded under load, removed and collected.</summary>
[Collection(PluginBuildsCollection.Name)]
public class PluginHostTests(PluginBuilds builds)
{
    private const string Hello = "Mall.Sample.Hello";

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task A_plugin_is_installed_called_upgraded_under_load_then_removed_and_collected(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        var unloaded = WatchUnloads(app);

        await UploadAsync(app, builds.HelloV1);
        var installed = await PostOkAsync(app, $"/api/admin/plugins/{Hello}/install?enable=true");
        Assert.Equal("enabled", installed.GetProperty("state").GetString());
        var greeting = await GetJsonAsync(app.Anonymous, "/api/plugins/hello");
        Assert.Equal("Hello", greeting.GetProperty("message").GetString());
        Assert.Equal("1.0.0", greeting.GetProperty("version").GetString());

        // Its migration made its table; its event handler sees orders placed in the host.
        var (_, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 5, price: 2m);
        using var shopper = await app.ShopperAsync("13800000001");
        using var order = ShopperFlowTests.OrderRequest(skuId, 1, "plugin-1");
        Assert.Equal(HttpStatusCode.Created, (await shopper.SendAsync(order)).StatusCode);
        Assert.Equal(1, (await GetJsonAsync(app.Anonymous, "/api/plugins/hello/orders")).GetProperty("count").GetInt64());

        // Settings apply at once, without a reload.
        using (var put = await app.Admin.PutAsJsonAsync($"/api/admin/plugins/{Hello}/settings", new { greeting = "你好" }))
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("你好", (await GetJsonAsync(app.Anonymous, "/api/plugins/hello")).GetProperty("message").GetString());

        // Upgrade to v2 while 16 clients call the plugin without pause.
        await UploadAsync(app, builds.HelloV2);
        var results = new ConcurrentBag<(HttpStatusCode Status, string? Version, bool AfterUpgrade)>();
        var upgraded = 0;
        using var stop = new CancellationTokenSource();
        var clients = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            using var client = app.NewClient();
            while (!stop.IsCancellationRequested)
            {
                var after = Volatile.Read(ref upgraded) == 1;
                using var response = await client.GetAsync("/api/plugins/hello");
                var text = await response.Content.ReadAsStringAsync();
                var version = response.IsSuccessStatusCode ? JsonDocument.Parse(text).RootElement.GetProperty("version").GetString() : text;
                results.Add((response.StatusCode, version, after));
            }
        })).ToList();
        // Upgrade once the clients are being served, and stop once they have been served well after it (however slow the machine).
        await WaitForAsync(() => Task.FromResult(results.Count(r => r.Status == HttpStatusCode.OK) >= 32));
        var upgrade = await PostOkAsync(app, $"/api/admin/plugins/{Hello}/upgrade");
        Volatile.Write(ref upgraded, 1);
        Assert.Equal("2.0.0", upgrade.GetProperty("installedVersion").GetString());
        await WaitForAsync(() => Task.FromResult(results.Count(r => r.AfterUpgrade) >= 64));
        await stop.CancelAsync();
        await Task.WhenAll(clients);

        var failed = results.Where(r => r.Status != HttpStatusCode.OK).ToList();
        Assert.True(failed.Count == 0, $"{failed.Count} of {results.Count} requests failed during the upgrade, e.g. {failed.FirstOrDefault()}");
        Assert.Contains(results, r => r.Version == "1.0.0");
        Assert.Contains(results, r => r.Version == "2.0.0");
        // Once the upgrade answered, every new request was served by v2; and v2 kept the settings and the data.
        Assert.All(results.Where(r => r.AfterUpgrade), r => Assert.Equal("2.0.0", r.Version));
        Assert.Equal("你好", (await GetJsonAsync(app.Anonymous, "/api/plugins/hello")).GetProperty("message").GetString());
        Assert.Equal(1, (await GetJsonAsync(app.Anonymous, "/api/plugins/hello/orders")).GetProperty("count").GetInt64());
        var v1 = Assert.Single(unloaded, u => u.Version == "1.0.0");
        Assert.True(v1.ScopeDisposed);
        await AssertCollectedAsync(v1.LoadContext, "v1 after the upgrade");

        // Disable: the route is gone; uninstall with data: the table and the row are gone, the context collected.
        await PostOkAsync(app, $"/api/admin/plugins/{Hello}/disable");
        Assert.Equal(HttpStatusCode.NotFound, (await app.Anonymous.GetAsync("/api/plugins/hello")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await app.Admin.DeleteAsync($"/api/admin/plugins/{Hello}?dropData=true")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Anonymous.GetAsync("/api/plugins/hello")).StatusCode);
        await Assert.ThrowsAnyAsync<Exception>(() => app.CountAsync("hello_placed_order"));
        Assert.Equal(0, await app.CountAsync("mall_plugin"));
        Assert.All(unloaded, u => Assert.True(u.ScopeDisposed, $"{u.Version}: scope not disposed"));
        foreach (var report in unloaded) await AssertCollectedAsync(report.LoadContext, $"{report.Version} ({unloaded.Count} loads)");
        var listed = await GetJsonAsync(app.Admin, "/api/admin/plugins");
        Assert.Equal("available", Assert.Single(listed.EnumerateArray()).GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_hundred_install_uninstall_cycles_free_every_context_and_memory_stays_bounded()
    {
        await using var app = await MallApp.StartAsync(TestDatabase.Providers[0]);
        var unloaded = WatchUnloads(app);
        var manager = app.Services.GetRequiredService<PluginManager>();
        await UploadAsync(app, builds.HelloV1);

        long warm = 0;
        for (var cycle = 1; cycle <= 100; cycle++)
        {
            await manager.InstallAsync(Hello, null, enable: true, CancellationToken.None);
            using (var response = await app.Anonymous.GetAsync("/api/plugins/hello")) Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await manager.UninstallAsync(Hello, dropData: true, CancellationToken.None);
            if (cycle == 10) warm = CollectedMemory();
        }
        var after = CollectedMemory();
        // Each cycle loads twice (install+enable, then once more for the uninstall hook).
        Assert.Equal(200, unloaded.Count);
        foreach (var report in unloaded) await AssertCollectedAsync(report.LoadContext, $"cycle load {report.Version}");
        var growth = after - warm;
        Assert.True(growth < 8 * 1024 * 1024, $"Managed memory grew by {growth / 1024} KiB over 90 install/uninstall cycles.");
    }

    [Fact]
    public async Task Two_plugins_with_conflicting_versions_of_one_library_both_work()
    {
        await using var app = await MallApp.StartAsync(TestDatabase.Providers[0]);
        foreach (var (package, id) in new[] { (builds.JsonOld, "Test.JsonOld"), (builds.JsonNew, "Test.JsonNew") })
        {
            await UploadAsync(app, package);
            await PostOkAsync(app, $"/api/admin/plugins/{id}/install?enable=true");
        }
        Assert.Equal("12.0.0.0", (await GetJsonAsync(app.Anonymous, "/api/plugins/Test.JsonOld/json")).GetProperty("library").GetString());
        Assert.Equal("13.0.0.0", (await GetJsonAsync(app.Anonymous, "/api/plugins/Test.JsonNew/json")).GetProperty("library").GetString());

        // Json.NET fills TypeDescriptor's static caches with the plugins' types; the host empties them at unload.
        var unloaded = WatchUnloads(app);
        Assert.Equal(HttpStatusCode.NoContent, (await app.Admin.DeleteAsync("/api/admin/plugins/Test.JsonOld")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await app.Admin.DeleteAsync("/api/admin/plugins/Test.JsonNew")).StatusCode);
        Assert.NotEmpty(unloaded);
        foreach (var report in unloaded) await AssertCollectedAsync(report.LoadContext, report.PluginId);
    }

    [Fact]
    public async Task Broken_plugins_are_rejected_or_faulted_with_a_clear_message_and_the_host_serves_on()
    {
        await using var app = await MallApp.StartAsync(TestDatabase.Providers[0]);
        await UploadAsync(app, builds.HelloV1);
        await PostOkAsync(app, $"/api/admin/plugins/{Hello}/install?enable=true");

        // Rejected before anything is loaded.
        var badManifest = builds.WithManifest(builds.FailsOnEnable, m => m.Replace("\"id\": \"Test.FailsOnEnable\", ", "").Replace("\"version\": \"1.0.0\"", "\"version\": \"one\""));
        var problem = await UploadProblemAsync(app, File.ReadAllBytes(badManifest), HttpStatusCode.BadRequest);
        Assert.Contains("id", problem.GetProperty("errors").EnumerateObject().Select(e => e.Name));
        Assert.Contains("version", problem.GetProperty("errors").EnumerateObject().Select(e => e.Name));
        await UploadProblemAsync(app, "not a zip"u8.ToArray(), HttpStatusCode.BadRequest);

        var newerMall = builds.WithManifest(builds.FailsOnEnable, m => m.Replace("Test.FailsOnEnable\"", "Test.NeedsNewerMall\"").Replace("[0.1.0, 1.0.0)", "[9.0.0, )"));
        await UploadAsync(app, newerMall);
        // Accepted at upload as not installable, with the reason in the listing.
        var listed = await GetJsonAsync(app.Admin, "/api/admin/plugins/Test.NeedsNewerMall");
        Assert.Equal("available", listed.GetProperty("state").GetString());
        var reason = Assert.Single(listed.GetProperty("installProblems").EnumerateArray()).GetString();
        Assert.Contains("needs Mall", reason);
        Assert.Contains("9.0.0", reason);
        var incompatible = await PostProblemAsync(app, "/api/admin/plugins/Test.NeedsNewerMall/install", HttpStatusCode.Conflict);
        // An installed version's files never change: a re-upload of it is refused.
        var reupload = await UploadProblemAsync(app, await File.ReadAllBytesAsync(builds.HelloV1), HttpStatusCode.Conflict);
        Assert.Equal("plugin.version_installed", reupload.GetProperty("code").GetString());
        Assert.Contains("needs Mall", incompatible.GetProperty("detail").GetString());

        var missingDependency = builds.WithManifest(builds.FailsOnEnable, m => m.Replace("Test.FailsOnEnable\"", "Test.NeedsOther\"").Replace("\"mallVersion\"", "\"dependencies\": { \"Test.Missing\": \"[1.0.0, )\" }, \"mallVersion\""));
        await UploadAsync(app, missingDependency);
        Assert.Contains("Test.Missing", Assert.Single((await GetJsonAsync(app.Admin, "/api/admin/plugins/Test.NeedsOther")).GetProperty("installProblems").EnumerateArray()).GetString());
        var missing = await PostProblemAsync(app, "/api/admin/plugins/Test.NeedsOther/install", HttpStatusCode.Conflict);
        Assert.Contains("Test.Missing", missing.GetProperty("detail").GetString());

        // Installed, then faulted when its enable hook throws.
        await UploadAsync(app, builds.FailsOnEnable);
        var faulted = await PostProblemAsync(app, "/api/admin/plugins/Test.FailsOnEnable/install?enable=true", (HttpStatusCode)422);
        Assert.Contains("boom on enable", faulted.GetProperty("detail").GetString());
        var info = await GetJsonAsync(app.Admin, "/api/admin/plugins/Test.FailsOnEnable");
        Assert.Equal("faulted", info.GetProperty("state").GetString());
        Assert.Contains("boom on enable", info.GetProperty("lastError").GetString());

        // A handler that throws: the order is placed, the error is recorded, the other plugin's handler still ran.
        await UploadAsync(app, builds.ThrowingHandler);
        await PostOkAsync(app, "/api/admin/plugins/Test.ThrowingHandler/install?enable=true");
        var (_, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 5, price: 2m);
        using var shopper = await app.ShopperAsync("13800000002");
        using var order = ShopperFlowTests.OrderRequest(skuId, 1, "plugin-2");
        Assert.Equal(HttpStatusCode.Created, (await shopper.SendAsync(order)).StatusCode);
        Assert.Equal(1, (await GetJsonAsync(app.Anonymous, "/api/plugins/hello/orders")).GetProperty("count").GetInt64());
        await WaitForAsync(async () => (await GetJsonAsync(app.Admin, "/api/admin/plugins/Test.ThrowingHandler")).GetProperty("lastError").GetString()?.Contains("handler broke") == true);

        // The host and the healthy plugin serve on.
        Assert.Equal(HttpStatusCode.OK, (await app.Anonymous.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Anonymous.GetAsync("/api/v1/catalog/products")).StatusCode);
        Assert.Equal("Hello", (await GetJsonAsync(app.Anonymous, "/api/plugins/hello")).GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_plugin_extension_joins_the_checkout_while_enabled_and_leaves_with_it()
    {
        await using var app = await MallApp.StartAsync(TestDatabase.Providers[0]);
        var (_, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 5, price: 10m);
        using var shopper = await app.ShopperAsync("13800000003");
        async Task<decimal> ShippingAsync() =>
            (await ShopperFlowTests.PostOkAsync(shopper, "/api/v1/checkout/quote", new { lines = new[] { new { skuId, quantity = 1 } } })).GetProperty("shippingFee").GetDecimal();

        Assert.Equal(0m, await ShippingAsync());
        await UploadAsync(app, builds.FlatShipping);
        await PostOkAsync(app, "/api/admin/plugins/Test.FlatShipping/install?enable=true");
        Assert.Equal(8m, await ShippingAsync());
        await PostOkAsync(app, "/api/admin/plugins/Test.FlatShipping/disable");
        Assert.Equal(0m, await ShippingAsync());
    }

    [Fact]
    public async Task A_plugins_widget_shows_in_its_zone_in_any_theme_while_enabled_and_the_plugin_still_unloads()
    {
        await using var app = await MallApp.StartAsync(TestDatabase.Providers[0]);
        var (productId, _) = await ShopperFlowTests.PublishedProductAsync(app, stock: 5, price: 10m);
        var unloaded = WatchUnloads(app);
        await UploadAsync(app, builds.Widget);
        await PostOkAsync(app, "/api/admin/plugins/Test.Widget/install?enable=true");

        var page = await Themes.ThemeTests.PageAsync(app.Anonymous, $"/products/{productId}");
        var badge = page.QuerySelector("p.plugin-badge");
        Assert.NotNull(badge);
        Assert.Equal($"拼团价 <GROUP> #{productId}", badge.TextContent);              // its model through its helper, escaped
        Assert.Same(page.QuerySelector("#price")!.NextElementSibling, badge);        // in product_after_price
        Assert.Null((await Themes.ThemeTests.PageAsync(app.Anonymous, "/")).QuerySelector("p.plugin-badge"));
        // Its helper serves themes too while it is enabled.
        var theme = Themes.ThemeTests.Theme("loud", @base: "default", files: new() { ["pages/home.sbn"] = "<p id=\"loud\">{{ shout \"hello <you>\" }}</p>" });
        using (var content = new ByteArrayContent(theme))
        {
            content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
            Assert.Equal(HttpStatusCode.Created, (await app.Admin.PostAsync("/api/admin/themes", content)).StatusCode);
        }
        Assert.Equal("HELLO <YOU>", (await Themes.ThemeTests.PageAsync(app.Admin, "/?theme=loud")).QuerySelector("#loud")!.TextContent);

        await PostOkAsync(app, "/api/admin/plugins/Test.Widget/disable");
        Assert.Null((await Themes.ThemeTests.PageAsync(app.Anonymous, $"/products/{productId}")).QuerySelector("p.plugin-badge"));
        Assert.NotEmpty(unloaded);
        foreach (var report in unloaded) await AssertCollectedAsync(report.LoadContext, "the widget plugin after rendering");
    }

    [Fact]
    public async Task A_plugin_that_requires_a_restart_changes_only_at_the_next_start()
    {
        var app = await MallApp.StartAsync(TestDatabase.Providers[0]);
        var package = builds.WithManifest(builds.FlatShipping, m => m.Replace("\"mallVersion\"", "\"requiresRestart\": true, \"mallVersion\""));
        await UploadAsync(app, package);
        var installed = await PostOkAsync(app, "/api/admin/plugins/Test.FlatShipping/install?enable=true");
        Assert.Equal("enabled", installed.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, installed.GetProperty("liveVersion").ValueKind);

        await using var restarted = await app.RestartAsync();
        var live = await GetJsonAsync(restarted.Admin, "/api/admin/plugins/Test.FlatShipping");
        Assert.Equal("1.0.0", live.GetProperty("liveVersion").GetString());
        var disabled = await PostOkAsync(restarted, "/api/admin/plugins/Test.FlatShipping/disable");
        Assert.Equal("disabled", disabled.GetProperty("state").GetString());
        Assert.Equal("1.0.0", disabled.GetProperty("liveVersion").GetString());
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task A_restarted_host_comes_back_to_the_installed_set(string provider)
    {
        var first = await MallApp.StartAsync(provider);
        await UploadAsync(first, builds.HelloV1);
        await PostOkAsync(first, $"/api/admin/plugins/{Hello}/install?enable=true");
        using (var put = await first.Admin.PutAsJsonAsync($"/api/admin/plugins/{Hello}/settings", new { greeting = "Bonjour" }))
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        await UploadAsync(first, builds.JsonOld);
        await PostOkAsync(first, "/api/admin/plugins/Test.JsonOld/install");

        await using var second = await first.RestartAsync();
        Assert.Equal("Bonjour", (await GetJsonAsync(second.Anonymous, "/api/plugins/hello")).GetProperty("message").GetString());
        var listed = (await GetJsonAsync(second.Admin, "/api/admin/plugins")).EnumerateArray().ToDictionary(p => p.GetProperty("id").GetString()!, p => p.GetProperty("state").GetString());
        Assert.Equal("enabled", listed[Hello]);
        Assert.Equal("disabled", listed["Test.JsonOld"]);
        Assert.Equal(HttpStatusCode.NotFound, (await second.Anonymous.GetAsync("/api/plugins/Test.JsonOld/json")).StatusCode);
    }

    [Fact]
    public async Task Files_copied_into_the_drop_folder_are_installed_and_upgraded()
    {
        var drop = Path.Combine(Path.GetTempPath(), "mall-drop", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(drop);
        await using var app = await MallApp.StartAsync(TestDatabase.Providers[0], settings:
        [
            new("Mall:Plugins:DropFolder", drop),
            new("Mall:Plugins:DropFolderScanInterval", "00:00:00.200"),
        ]);
        File.Copy(builds.HelloV1, Path.Combine(drop, "hello-1.mallplugin"));
        await WaitForAsync(async () => (await app.Anonymous.GetAsync("/api/plugins/hello")).IsSuccessStatusCode);
        File.Copy(builds.HelloV2, Path.Combine(drop, "hello-2.mallplugin"));
        await WaitForAsync(async () => (await app.Anonymous.GetAsync("/api/plugins/hello")).IsSuccessStatusCode
            && (await GetJsonAsync(app.Anonymous, "/api/plugins/hello")).GetProperty("version").GetString() == "2.0.0");
        Directory.Delete(drop, recursive: true);
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task An_unloaded_version_that_is_never_collected_is_reported_by_the_plugin_and_a_clean_one_is_not()
    {
        await using var app = await MallApp.StartAsync(TestDatabase.Providers[0], settings: [new("Mall:Plugins:UnloadCheckTimeout", "00:00:02")]);
        await UploadAsync(app, builds.Pinned);
        await PostOkAsync(app, "/api/admin/plugins/Test.Pinned/install?enable=true");
        await UploadAsync(app, builds.HelloV1);
        await PostOkAsync(app, $"/api/admin/plugins/{Hello}/install?enable=true");
        var unloaded = WatchUnloads(app);
        await PostOkAsync(app, "/api/admin/plugins/Test.Pinned/disable");
        await PostOkAsync(app, $"/api/admin/plugins/{Hello}/disable");

        // The pinned one (a host event holds it) is reported in the admin API, naming what keeps contexts alive.
        string? error = null;
        await WaitForAsync(async () => (error = (await GetJsonAsync(app.Admin, "/api/admin/plugins/Test.Pinned")).GetProperty("lastError").GetString()) is not null);
        Assert.Contains("Version 1.0.0 was unloaded but its load context is still alive", error);
        // The clean one was collected and carries no such report.
        Assert.Contains(unloaded, u => u.PluginId == Hello);
        await AssertCollectedAsync(unloaded.First(u => u.PluginId == Hello).LoadContext, Hello);
        Assert.Equal(JsonValueKind.Null, (await GetJsonAsync(app.Admin, $"/api/admin/plugins/{Hello}")).GetProperty("lastError").ValueKind);
    }

    internal static ConcurrentQueue<PluginUnloaded> WatchUnloads(MallApp app)
    {
        var unloaded = new ConcurrentQueue<PluginUnloaded>();
        app.Services.GetRequiredService<PluginManager>().Unloaded += unloaded.Enqueue;
        return unloaded;
    }

    internal static async Task UploadAsync(MallApp app, string package)
    {
        using var content = new ByteArrayContent(await File.ReadAllBytesAsync(package));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        using var response = await app.Admin.PostAsync("/api/admin/plugins", content);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"upload answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<JsonElement> UploadProblemAsync(MallApp app, byte[] body, HttpStatusCode expected)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        using var response = await app.Admin.PostAsync("/api/admin/plugins", content);
        return await ProblemAsync(response, expected);
    }

    internal static async Task<JsonElement> PostOkAsync(MallApp app, string url)
    {
        using var response = await app.Admin.PostAsync(url, null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {url} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<JsonElement> PostProblemAsync(MallApp app, string url, HttpStatusCode expected)
    {
        using var response = await app.Admin.PostAsync(url, null);
        return await ProblemAsync(response, expected);
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    internal static async Task<JsonElement> GetJsonAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {url} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    internal static async Task AssertCollectedAsync(WeakReference reference, string what)
    {
        for (var i = 0; i < 100 && reference.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            await Task.Delay(20);
        }
        if (reference.IsAlive)
            Assert.Fail($"The load context of {what} was not collected. Static paths to plugin objects:\n{string.Join("\n", LeakFinder.Find())}");
    }

    internal static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, "The condition did not hold within 30 seconds.");
            await Task.Delay(100);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long CollectedMemory()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
