using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mall.Plugins.Bargain;
using Mall.Testing;
using Mall.Web.Tests.Payments;
using Mall.Web.Tests.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace Mall.Web.Tests.Marketing;

/// <summary>The bargain (砍价) plugin: cut arithmetic as a property, and the plugin hot-installed and used over HTTP.</summary>
public class BargainTests
{
    private const string Plugin = "Mall.Plugins.Bargain";

    [Fact]
    public void Cuts_sum_to_start_minus_floor_each_at_least_a_cent_never_below_the_floor()
    {
        var random = new Random(20261130);
        for (var run = 0; run < 5000; run++)
        {
            var helpers = random.Next(1, 60);
            var range = random.NextInt64(helpers, helpers + random.Next(0, 3) switch { 0 => 5, 1 => 10_000, _ => 10_000_000 });
            var min = random.Next(1, 1001);
            var max = random.Next(min, 1001);
            long left = range, sum = 0;
            for (var done = 0; done < helpers; done++)
            {
                var cut = BargainMath.NextCut(left, helpers - done, min, max, random);
                Assert.True(cut >= 1, $"run {run}: a cut of {cut}");
                Assert.True(left - cut >= helpers - done - 1, $"run {run}: {left - cut} left for {helpers - done - 1} helpers");
                left -= cut;
                sum += cut;
            }
            Assert.Equal(0, left);
            Assert.Equal(range, sum);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => BargainMath.NextCut(2, 3, 100, 200, random));
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task A_hundred_friends_help_at_once_exactly_the_needed_cuts_land_and_the_price_reaches_the_floor(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        await InstallAsync(app);
        var (_, sku) = await ShopperFlowTests.PublishedProductAsync(app, stock: 10, price: 99m);
        var activity = await app.PostOkAsync($"{BargainPlugin.Routes}/admin/activities", new
        {
            skuId = sku, startPrice = 99m, floorPrice = 9.9m, helpersNeeded = 30, minShare = 0.05m, maxShare = 0.3m, timeLimitMinutes = 60, allowEarlyBuy = false, stockCap = 5,
        });
        var activityId = activity.GetProperty("id").GetInt64();
        using var initiator = await app.ShopperAsync("13200000000");
        var started = await ShopperFlowTests.PostOkAsync(initiator, $"{BargainPlugin.Routes}/activities/{activityId}/start");
        var bargainId = started.GetProperty("id").GetInt64();
        Assert.Equal(99m, started.GetProperty("currentPrice").GetDecimal());
        Assert.Equal("bargain.already_started", await CodeAsync(await initiator.PostAsync($"{BargainPlugin.Routes}/activities/{activityId}/start", null), HttpStatusCode.Conflict));
        Assert.Equal("bargain.self_help", await CodeAsync(await initiator.PostAsync($"{BargainPlugin.Routes}/bargains/{bargainId}/help", null), HttpStatusCode.Conflict));

        var friends = await Task.WhenAll(Enumerable.Range(1, 100).Select(i => app.ShopperAsync($"132{i:D8}")));
        using var go = new SemaphoreSlim(0);
        var helps = friends.Select(async friend =>
        {
            await go.WaitAsync();
            var response = await friend.PostAsync($"{BargainPlugin.Routes}/bargains/{bargainId}/help", null);
            return (response.StatusCode, Body: await response.Content.ReadFromJsonAsync<JsonElement>());
        }).ToList();
        go.Release(helps.Count);
        var results = await Task.WhenAll(helps);

        Assert.All(results, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, $"answered {(int)r.StatusCode}: {r.Body}"));
        Assert.Equal(30, results.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.All(results.Where(r => r.StatusCode == HttpStatusCode.Conflict), r => Assert.Contains(r.Body.GetProperty("code").GetString(), new[] { "bargain.complete", "bargain.busy" }));
        var bargain = await CatalogApiTests.GetJsonAsync(app.Anonymous, $"{BargainPlugin.Routes}/bargains/{bargainId}");   // the share link needs no login
        Assert.Equal(9.9m, bargain.GetProperty("currentPrice").GetDecimal());
        Assert.Equal("atFloor", bargain.GetProperty("status").GetString());
        var cuts = bargain.GetProperty("helpers").EnumerateArray().Select(h => h.GetProperty("cut").GetDecimal()).ToList();
        Assert.Equal(30, cuts.Count);
        Assert.Equal(89.1m, cuts.Sum());
        Assert.All(cuts, c => Assert.True(c >= 0.01m));
        Assert.Equal(30, bargain.GetProperty("helpers").EnumerateArray().Select(h => h.GetProperty("helperId").GetInt64()).Distinct().Count());

        // A friend who helped cannot help again (here: on a second bargain's double help).
        using var second = await app.ShopperAsync("13200000200");
        var other = await ShopperFlowTests.PostOkAsync(second, $"{BargainPlugin.Routes}/activities/{activityId}/start");
        var otherId = other.GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.OK, (await friends[0].PostAsync($"{BargainPlugin.Routes}/bargains/{otherId}/help", null)).StatusCode);
        Assert.Equal("bargain.already_helped", await CodeAsync(await friends[0].PostAsync($"{BargainPlugin.Routes}/bargains/{otherId}/help", null), HttpStatusCode.Conflict));
        Assert.Equal(1, (await CatalogApiTests.GetJsonAsync(app.Anonymous, $"{BargainPlugin.Routes}/bargains/{otherId}")).GetProperty("helps").GetInt32());
        foreach (var friend in friends) friend.Dispose();
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Bad_activities_are_refused_and_an_expired_bargain_takes_no_more_help(string provider)
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var app = await MallApp.StartAsync(provider, services => services.AddSingleton<TimeProvider>(clock));
        await InstallAsync(app);
        var (_, sku) = await ShopperFlowTests.PublishedProductAsync(app, stock: 10, price: 10m);
        object[] bad =
        [
            new { skuId = 999999L, startPrice = 10m, floorPrice = 1m, helpersNeeded = 3, minShare = 0.1m, maxShare = 0.5m, timeLimitMinutes = 60, stockCap = 1 },
            new { skuId = sku, startPrice = 10m, floorPrice = 10m, helpersNeeded = 3, minShare = 0.1m, maxShare = 0.5m, timeLimitMinutes = 60, stockCap = 1 },
            new { skuId = sku, startPrice = 1m, floorPrice = 0.99m, helpersNeeded = 3, minShare = 0.1m, maxShare = 0.5m, timeLimitMinutes = 60, stockCap = 1 },
            new { skuId = sku, startPrice = 10m, floorPrice = 1m, helpersNeeded = 3, minShare = 0.6m, maxShare = 0.5m, timeLimitMinutes = 60, stockCap = 1 },
            new { skuId = sku, startPrice = 10m, floorPrice = 1m, helpersNeeded = 0, minShare = 0.1m, maxShare = 0.5m, timeLimitMinutes = 60, stockCap = 1 },
        ];
        foreach (var body in bad)
            Assert.Equal(HttpStatusCode.BadRequest, (await app.Admin.PostAsJsonAsync($"{BargainPlugin.Routes}/admin/activities", body)).StatusCode);
        Assert.Equal(0, await app.CountAsync("bargain_activity"));
        using var shopper = await app.ShopperAsync("13200000300");
        Assert.Equal(HttpStatusCode.Forbidden, (await shopper.PostAsJsonAsync($"{BargainPlugin.Routes}/admin/activities", bad[1])).StatusCode);

        // The activity ends ten minutes from now (on Mall's clock, which the test moves), and so does every bargain of it.
        var activity = await app.PostOkAsync($"{BargainPlugin.Routes}/admin/activities", new
        {
            skuId = sku, startPrice = 10m, floorPrice = 1m, helpersNeeded = 3, minShare = 0.1m, maxShare = 0.5m, timeLimitMinutes = 60, stockCap = 1, endsAt = clock.GetUtcNow().UtcDateTime.AddMinutes(10),
        });
        var bargain = await ShopperFlowTests.PostOkAsync(shopper, $"{BargainPlugin.Routes}/activities/{activity.GetProperty("id").GetInt64()}/start");
        var id = bargain.GetProperty("id").GetInt64();
        using var friend = await app.ShopperAsync("13200000301");
        Assert.Equal(HttpStatusCode.OK, (await friend.PostAsync($"{BargainPlugin.Routes}/bargains/{id}/help", null)).StatusCode);
        clock.Advance(TimeSpan.FromMinutes(11));
        using var late = await app.ShopperAsync("13200000302");
        Assert.Equal("bargain.expired", await CodeAsync(await late.PostAsync($"{BargainPlugin.Routes}/bargains/{id}/help", null), HttpStatusCode.Conflict));
        var expired = await CatalogApiTests.GetJsonAsync(app.Anonymous, $"{BargainPlugin.Routes}/bargains/{id}");
        Assert.Equal("expired", expired.GetProperty("status").GetString());
        Assert.Equal(1, expired.GetProperty("helps").GetInt32());
        Assert.Equal("bargain.not_running", await CodeAsync(await late.PostAsync($"{BargainPlugin.Routes}/activities/{activity.GetProperty("id").GetInt64()}/start", null), HttpStatusCode.Conflict));
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task The_shopper_buys_one_unit_at_the_bargain_price_once_and_a_cancelled_order_gives_the_bargain_back(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        await InstallAsync(app);
        var (productId, sku) = await ShopperFlowTests.PublishedProductAsync(app, stock: 20, price: 50m);
        await app.PostOkAsync("/api/admin/promotions", new { name = "立减5元", benefit = "goodsReduce", value = 5m });
        var activity = await app.PostOkAsync($"{BargainPlugin.Routes}/admin/activities", new
        {
            skuId = sku, startPrice = 50m, floorPrice = 19.9m, helpersNeeded = 2, minShare = 0.1m, maxShare = 0.6m, timeLimitMinutes = 60, stockCap = 1,
        });
        var activityId = activity.GetProperty("id").GetInt64();
        var widget = (await Themes.ThemeTests.PageAsync(app.Anonymous, $"/products/{productId}")).QuerySelector(".bargain-widget");
        Assert.NotNull(widget);
        Assert.Equal(activityId.ToString(System.Globalization.CultureInfo.InvariantCulture), widget.GetAttribute("data-activity-id"));
        Assert.Contains("¥19.90", widget.TextContent);
        using var shopper = await app.ShopperAsync("13200000400");
        var bargainId = (await ShopperFlowTests.PostOkAsync(shopper, $"{BargainPlugin.Routes}/activities/{activityId}/start")).GetProperty("id").GetInt64();
        var lines = new[] { new { skuId = sku, quantity = 2 } };

        // Not at the floor yet and early buying is off: only the store promotion applies.
        var before = await ShopperFlowTests.PostOkAsync(shopper, "/api/v1/checkout/quote", new { lines });
        Assert.Equal(90m, before.GetProperty("total").GetDecimal());
        foreach (var phone in new[] { "13200000401", "13200000402" })
        {
            using var friend = await app.ShopperAsync(phone);
            await ShopperFlowTests.PostOkAsync(friend, $"{BargainPlugin.Routes}/bargains/{bargainId}/help");
        }

        // At the floor: one unit costs 19.90 — promotions do not take it lower — the other unit 45.00.
        var quote = await ShopperFlowTests.PostOkAsync(shopper, "/api/v1/checkout/quote", new { lines });
        Assert.Equal(64.9m, quote.GetProperty("total").GetDecimal());
        Assert.Contains(quote.GetProperty("adjustments").EnumerateArray(), a => a.GetProperty("reference").GetString() == $"bargain:{bargainId}");

        // Five orders at once: the bargain is bought by exactly one of them; the others are refused and not placed.
        using var go = new SemaphoreSlim(0);
        var racers = Enumerable.Range(0, 5).Select(async _ =>
        {
            await go.WaitAsync();
            return await shopper.PostAsJsonAsync("/api/v1/orders", new { lines });
        }).ToList();
        go.Release(racers.Count);
        var placed = await Task.WhenAll(racers);
        Assert.All(placed, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, $"answered {(int)r.StatusCode}"));
        var bought = (await Task.WhenAll(placed.Where(r => r.StatusCode == HttpStatusCode.Created).Select(r => r.Content.ReadFromJsonAsync<JsonElement>()))).ToList();
        Assert.Single(bought, o => o.GetProperty("total").GetDecimal() == 64.9m);
        Assert.All(bought.Where(o => o.GetProperty("total").GetDecimal() != 64.9m), o => Assert.Equal(90m, o.GetProperty("total").GetDecimal()));
        var orderId = bought.Single(o => o.GetProperty("total").GetDecimal() == 64.9m).GetProperty("id").GetInt64();
        Assert.Equal("bought", (await CatalogApiTests.GetJsonAsync(shopper, $"{BargainPlugin.Routes}/bargains/{bargainId}")).GetProperty("status").GetString());
        Assert.Equal(90m, (await ShopperFlowTests.PostOkAsync(shopper, "/api/v1/checkout/quote", new { lines })).GetProperty("total").GetDecimal());

        // The storefront: the product page's widget, and the shared bargain page inside the theme.
        var product = await Themes.ThemeTests.PageAsync(app.Anonymous, $"/products/{productId}");
        Assert.Null(product.QuerySelector(".bargain-widget"));                                  // sold out (cap 1, bought)
        var page = await Themes.ThemeTests.PageAsync(app.Anonymous, $"/bargain/{bargainId}");
        Assert.Equal($"砍价 Bargain #{bargainId}", page.QuerySelector("section.bargain h1")!.TextContent);
        Assert.Equal("bought", page.QuerySelector(".bargain .status")!.TextContent);
        Assert.Equal(2, page.QuerySelectorAll(".bargain .helpers li").Length);
        Assert.NotNull(page.QuerySelector("header.site-header"));                              // inside the theme's layout

        // Cancelled unpaid: the bargain is at its floor again and can be bought.
        await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{orderId}/cancel", new { reason = "later" });
        Assert.Equal("atFloor", (await CatalogApiTests.GetJsonAsync(shopper, $"{BargainPlugin.Routes}/bargains/{bargainId}")).GetProperty("status").GetString());
        Assert.Equal(64.9m, (await ShopperFlowTests.PostOkAsync(shopper, "/api/v1/orders", new { lines })).GetProperty("total").GetDecimal());
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task The_plugin_is_hot_installed_used_upgraded_with_its_data_intact_and_uninstalled(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        var unloaded = PluginHostTests.WatchUnloads(app);
        await InstallAsync(app);
        var (_, sku) = await ShopperFlowTests.PublishedProductAsync(app, stock: 5, price: 20m);
        var activity = await app.PostOkAsync($"{BargainPlugin.Routes}/admin/activities", new
        {
            skuId = sku, startPrice = 20m, floorPrice = 10m, helpersNeeded = 3, minShare = 0.1m, maxShare = 0.5m, timeLimitMinutes = 60, stockCap = 3,
        });
        using var shopper = await app.ShopperAsync("13200000500");
        using var friend = await app.ShopperAsync("13200000501");
        var bargainId = (await ShopperFlowTests.PostOkAsync(shopper, $"{BargainPlugin.Routes}/activities/{activity.GetProperty("id").GetInt64()}/start")).GetProperty("id").GetInt64();
        await ShopperFlowTests.PostOkAsync(friend, $"{BargainPlugin.Routes}/bargains/{bargainId}/help");

        // Upgrade to a newer build of the same plugin while it holds data: the bargain goes on where it was.
        var newer = PluginBuildsAccess.WithVersion(FakeGatewayProcess.PluginPackage(Plugin), "1.0.1");
        await PluginHostTests.UploadAsync(app, newer);
        var upgraded = await PluginHostTests.PostOkAsync(app, $"/api/admin/plugins/{Plugin}/upgrade");
        Assert.Equal("1.0.1", upgraded.GetProperty("liveVersion").GetString());
        var after = await CatalogApiTests.GetJsonAsync(app.Anonymous, $"{BargainPlugin.Routes}/bargains/{bargainId}");
        Assert.Equal(1, after.GetProperty("helps").GetInt32());
        using var second = await app.ShopperAsync("13200000502");
        Assert.Equal(2, (await ShopperFlowTests.PostOkAsync(second, $"{BargainPlugin.Routes}/bargains/{bargainId}/help")).GetProperty("bargain").GetProperty("helps").GetInt32());

        // Uninstalled with its data: routes, tables and every load context gone.
        Assert.Equal(HttpStatusCode.NoContent, (await app.Admin.DeleteAsync($"/api/admin/plugins/{Plugin}?dropData=true")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Anonymous.GetAsync($"{BargainPlugin.Routes}/bargains/{bargainId}")).StatusCode);
        await Assert.ThrowsAnyAsync<Exception>(() => app.CountAsync("bargain"));
        Assert.NotEmpty(unloaded);
        foreach (var report in unloaded) await PluginHostTests.AssertCollectedAsync(report.LoadContext, $"bargain {report.Version}");
    }

    private static async Task InstallAsync(MallApp app)
    {
        await PluginHostTests.UploadAsync(app, FakeGatewayProcess.PluginPackage(Plugin));
        await PluginHostTests.PostOkAsync(app, $"/api/admin/plugins/{Plugin}/install?enable=true");
    }

    private static async Task<string?> CodeAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("code").GetString();
    }
}

/// <summary>Re-versions a built plugin package (its plugin.json), for upgrade tests of first-party plugins.</summary>
internal static class PluginBuildsAccess
{
    public static string WithVersion(string package, string version)
    {
        var copy = Path.Combine(Path.GetTempPath(), "mall-plugin-versions", Guid.NewGuid().ToString("N"), Path.GetFileName(package));
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        File.Copy(package, copy);
        using var zip = System.IO.Compression.ZipFile.Open(copy, System.IO.Compression.ZipArchiveMode.Update);
        var entry = zip.GetEntry("plugin.json")!;
        string text;
        using (var reader = new StreamReader(entry.Open())) text = reader.ReadToEnd();
        entry.Delete();
        using var writer = new StreamWriter(zip.CreateEntry("plugin.json").Open(), new System.Text.UTF8Encoding(false));
        writer.Write(System.Text.RegularExpressions.Regex.Replace(text, "\"version\":\\s*\"[^\"]+\"", $"\"version\": \"{version}\""));
        return copy;
    }
}
