using System.Net.Http.Json;
using System.Text.Json;
using Mall.Testing;

namespace Mall.Web.Tests.Browser;

/// <summary>
/// A shopper in a real headless Chromium on the default theme: browse → choose a SKU → add to cart → log in → check
/// out → see the order. Screenshots of home, product and cart at phone and desktop widths are saved as test artifacts
/// (<c>MALL_TEST_ARTIFACTS</c>, default <c>artifacts/screenshots</c> under the repository).
/// </summary>
public class StorefrontBrowserTests
{
    private static readonly (string Name, int Width, int Height, bool Mobile)[] Viewports = [("phone", 390, 844, true), ("desktop", 1280, 800, false)];

    [Fact]
    public async Task A_shopper_browses_chooses_a_sku_adds_to_cart_logs_in_checks_out_and_sees_the_order()
    {
        await using var app = await MallApp.StartAsync(TestDatabase.Providers[0], kestrel: true);
        var baseUrl = app.Anonymous.BaseAddress!.ToString().TrimEnd('/');
        var category = await app.PostOkAsync("/api/admin/catalog/categories", new { name = "服装 Apparel" });
        var product = await app.PostOkAsync("/api/admin/catalog/products", new
        {
            name = "纯棉T恤 Cotton tee", subtitle = "新品 New", categoryId = category.GetProperty("id").GetInt64(),
            specs = new[] { new { name = "Size", values = new[] { "S", "M" } } },
            skus = new[] { new { code = "TEE-S", specValues = new[] { "S" }, price = 59m, stock = 10 }, new { code = "TEE-M", specValues = new[] { "M" }, price = 62m, stock = 10 } },
        });
        var productId = product.GetProperty("id").GetInt64();
        await app.PostOkAsync($"/api/admin/catalog/products/{productId}/publish", new { });
        for (var i = 0; i < 3; i++) await ShopperFlowTests.PublishedProductAsync(app, stock: 5, price: 19.9m + i);
        using var shopper = await app.ShopperAsync("13700000001");
        Assert.True((await shopper.PostAsJsonAsync("/api/v1/me/addresses", new { receiver = "张三", phone = "13700000001", regionCode = "110105", detail = "朝阳区 1 号", isDefault = true })).IsSuccessStatusCode);

        var artifacts = Environment.GetEnvironmentVariable("MALL_TEST_ARTIFACTS") is { Length: > 0 } dir ? dir : Path.Combine(Plugins.PluginBuilds.RepositoryRoot, "artifacts", "screenshots");
        await using var browser = await Chromium.StartAsync();

        // Screenshots of home and product at both widths.
        foreach (var (name, width, height, mobile) in Viewports)
        {
            await browser.ViewportAsync(width, height, mobile);
            await browser.GoAsync($"{baseUrl}/");
            await browser.WaitAsync("document.querySelectorAll('a.card').length >= 4", "the home page's products");
            await browser.ScreenshotAsync(Path.Combine(artifacts, $"home-{name}.png"));
            await browser.GoAsync($"{baseUrl}/products/{productId}");
            await browser.ScreenshotAsync(Path.Combine(artifacts, $"product-{name}.png"));
        }

        // Browse from the home page to the product, as a phone.
        await browser.ViewportAsync(390, 844, true);
        await browser.GoAsync($"{baseUrl}/");
        await browser.ClickAsync($"a.card[data-product-id='{productId}']");
        await browser.WaitAsync($"location.pathname === '/products/{productId}' && document.readyState === 'complete'", "the product page");

        // Choose size M: its price shows; add two to the cart (anonymous: the session cart).
        await browser.ClickAsync("button.sku[data-sku-id]:nth-of-type(2)");
        Assert.Equal("¥62.00", (await browser.EvalAsync("document.querySelector('#price').textContent"))!.GetValue<string>());
        await browser.FillAsync("#quantity", "2");
        await browser.ClickAsync("#add-to-cart");
        await browser.WaitAsync("document.querySelector('#notice').textContent.length > 0", "the added notice");
        await browser.GoAsync($"{baseUrl}/cart");
        await browser.WaitAsync("document.querySelectorAll('.cart-line').length === 1", "the cart line");
        Assert.Equal("¥124.00", (await browser.EvalAsync("document.querySelector('#cart-total').textContent"))!.GetValue<string>());
        foreach (var (name, width, height, mobile) in Viewports)
        {
            await browser.ViewportAsync(width, height, mobile);
            await browser.ScreenshotAsync(Path.Combine(artifacts, $"cart-{name}.png"));
        }

        // Check out: asked to log in first; the anonymous cart joins the shopper's.
        await browser.ClickAsync("#go-checkout");
        await browser.WaitAsync("location.pathname === '/login'", "the login page");
        await browser.FillAsync("#login-form [name=login]", "13700000001");
        await browser.FillAsync("#login-form [name=password]", "secret-pass-1");
        await browser.EvalAsync("document.querySelector('#login-form').requestSubmit()");
        await browser.WaitAsync("location.pathname === '/checkout' && document.readyState === 'complete'", "the checkout page");
        await browser.WaitAsync("document.querySelector('#quote-total').textContent === '¥124.00'", "the quote");
        await browser.ClickAsync("#place-order");
        await browser.WaitAsync("location.pathname.startsWith('/orders/') && document.querySelector('#order-number')", "the order confirmation", seconds: 30);

        // The order the page shows is the shopper's, with the chosen SKU.
        var number = (await browser.EvalAsync("document.querySelector('#order-number').textContent"))!.GetValue<string>();
        var orders = await CatalogApiTests.GetJsonAsync(shopper, "/api/v1/orders");
        var order = Assert.Single(orders.GetProperty("items").EnumerateArray());
        Assert.Equal(number, order.GetProperty("number").GetString());
        Assert.Equal(124m, order.GetProperty("total").GetDecimal());
        var line = Assert.Single(order.GetProperty("lines").EnumerateArray());
        Assert.Equal(2, line.GetProperty("quantity").GetInt32());
        Assert.Equal(product.GetProperty("skus")[1].GetProperty("id").GetInt64(), line.GetProperty("skuId").GetInt64());
        Assert.Empty((await CatalogApiTests.GetJsonAsync(shopper, "/api/v1/cart")).GetProperty("lines").EnumerateArray());
        foreach (var file in new[] { "home", "product", "cart" }.SelectMany(p => Viewports.Select(v => $"{p}-{v.Name}.png")))
            Assert.True(new FileInfo(Path.Combine(artifacts, file)).Length > 5_000, $"{file} looks empty");
    }
}
