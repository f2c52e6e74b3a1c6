using System.Net.Http.Json;
using System.Text.Json;
using Mall.Plugins.FlashSale;
using Mall.Web.Tests.Payments;
using Mall.Web.Tests.Plugins;

namespace Mall.Web.Tests.Browser;

/// <summary>
/// The flash-sale plugin's storefront in a real headless Chromium, with Redis (admission by Lua, orders through the
/// stream): the product page's widget, the <c>/flashsale</c> page's countdown ticking, and a shopper buying from it —
/// queued, then taken to the order at the flash price. Screenshots at phone and desktop widths.
/// </summary>
public class FlashSaleBrowserTests
{
    [Fact]
    public async Task A_shopper_sees_the_countdown_tick_on_the_flash_sale_page_and_buys_at_the_flash_price()
    {
        await using var app = await MallApp.StartAsync(Mall.Testing.TestDatabase.Providers[0], settings: MallApp.RedisSettings(), kestrel: true);
        var baseUrl = app.Anonymous.BaseAddress!.ToString().TrimEnd('/');
        await PluginHostTests.UploadAsync(app, FakeGatewayProcess.PluginPackage("Mall.Plugins.FlashSale"));
        await PluginHostTests.PostOkAsync(app, "/api/admin/plugins/Mall.Plugins.FlashSale/install?enable=true");
        var (productId, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 20, price: 9m);
        await app.PostOkAsync($"{FlashSalePlugin.Routes}/admin/sessions", new
        {
            name = "十点秒杀", startsAt = DateTime.UtcNow.AddMinutes(-1), endsAt = DateTime.UtcNow.AddHours(1),
            items = new[] { new { skuId, flashPrice = 1m, flashStock = 5, perShopperLimit = 1 } },
        });
        using var shopper = await app.ShopperAsync("13700000101");
        Assert.True((await shopper.PostAsJsonAsync("/api/v1/me/addresses", new { receiver = "李四", phone = "13700000101", regionCode = "110105", detail = "朝阳区 2 号", isDefault = true })).IsSuccessStatusCode);
        var artifacts = Environment.GetEnvironmentVariable("MALL_TEST_ARTIFACTS") is { Length: > 0 } dir ? dir : Path.Combine(PluginBuilds.RepositoryRoot, "artifacts", "screenshots");

        await using var browser = await Chromium.StartAsync();
        await browser.ViewportAsync(390, 844, true);
        // The product page shows the sale running, with its price and a countdown.
        await browser.GoAsync($"{baseUrl}/products/{productId}");
        await browser.WaitAsync("document.querySelector('.flashsale-widget') !== null", "the flash-sale widget on the product page");
        Assert.Contains("¥1.00", (await browser.EvalAsync("document.querySelector('.flashsale-widget').textContent"))!.GetValue<string>());

        // Logged in, the shopper opens /flashsale: the countdown to the end ticks once a second.
        await browser.GoAsync($"{baseUrl}/login");
        await browser.FillAsync("#login-form [name=login]", "13700000101");
        await browser.FillAsync("#login-form [name=password]", "secret-pass-1");
        await browser.EvalAsync("document.querySelector('#login-form').requestSubmit()");
        await browser.WaitAsync("location.pathname !== '/login' && localStorage.getItem('mall_token')", "the login");
        await browser.GoAsync($"{baseUrl}/flashsale");
        await browser.WaitAsync("/^\\d\\d:\\d\\d:\\d\\d$/.test(document.querySelector('.flashsale-session .countdown').textContent)", "the countdown");
        var first = (await browser.EvalAsync("document.querySelector('.flashsale-session .countdown').textContent"))!.GetValue<string>();
        Assert.StartsWith("00:5", first);
        await browser.WaitAsync($"document.querySelector('.flashsale-session .countdown').textContent !== '{first}'", "the countdown to tick", seconds: 5);
        Assert.Contains("剩 5 件", (await browser.EvalAsync("document.querySelector('.flashsale-session .items li').textContent"))!.GetValue<string>());
        foreach (var (name, width, height, mobile) in new[] { ("phone", 390, 844, true), ("desktop", 1280, 800, false) })
        {
            await browser.ViewportAsync(width, height, mobile);
            await browser.ScreenshotAsync(Path.Combine(artifacts, $"flashsale-{name}.png"));
        }

        // Buy: admitted, queued, then the order page opens; the order is at the flash price, one unit.
        await browser.ClickAsync(".flashsale-buy");
        await browser.WaitAsync("location.pathname.startsWith('/orders/')", "the order page after the flash-sale attempt", seconds: 30);
        var orderId = long.Parse((await browser.EvalAsync("location.pathname.split('/')[2]"))!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        var order = await CatalogApiTests.GetJsonAsync(shopper, $"/api/v1/orders/{orderId}");
        var line = Assert.Single(order.GetProperty("lines").EnumerateArray());
        Assert.Equal(skuId, line.GetProperty("skuId").GetInt64());
        Assert.Equal(1m, line.GetProperty("unitPrice").GetDecimal());
        Assert.Equal(1, line.GetProperty("quantity").GetInt32());
        Assert.Equal("pendingPayment", order.GetProperty("status").GetString());

        // Back on the page, the units left went down and this shopper's limit is spent: a second press buys nothing.
        var left = "";
        for (var i = 0; i < 20 && !left.Contains("剩 4 件", StringComparison.Ordinal); i++)
        {
            if (i > 0) await Task.Delay(500);
            await browser.GoAsync($"{baseUrl}/flashsale");
            await browser.WaitAsync("document.querySelector('.flashsale-session .items li') !== null", "the flash-sale page");
            left = (await browser.EvalAsync("document.querySelector('.flashsale-session .items li').textContent"))!.GetValue<string>();
        }
        Assert.Contains("剩 4 件", left);
        await browser.ClickAsync(".flashsale-buy");
        await browser.WaitAsync("document.querySelector('.flashsale-session .notice').textContent.length > 0", "the refusal of a second unit");
        Assert.Single((await CatalogApiTests.GetJsonAsync(shopper, "/api/v1/orders")).GetProperty("items").EnumerateArray());
        foreach (var file in new[] { "flashsale-phone.png", "flashsale-desktop.png" })
            Assert.True(new FileInfo(Path.Combine(artifacts, file)).Length > 5_000, $"{file} looks empty");
    }
}
