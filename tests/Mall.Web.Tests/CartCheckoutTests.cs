using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mall.Checkout;
using Mall.Promotions;
using Mall.Shipping;
using Mall.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mall.Web.Tests;

public class CartCheckoutTests
{
    private const string Session = "anon-session-0123456789";

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Anonymous_cart_merges_at_login_and_checks_out_with_recomputed_prices(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        var (productA, skuA) = await ShopperFlowTests.PublishedProductAsync(app, stock: 20, price: 10m);
        var (_, skuB) = await ShopperFlowTests.PublishedProductAsync(app, stock: 20, price: 4m);
        using var anonymous = app.NewClient();
        anonymous.DefaultRequestHeaders.Add("X-Mall-Cart-Session", Session);

        await ShopperFlowTests.PostOkAsync(anonymous, "/api/v1/cart/lines", new { skuId = skuA, quantity = 2 });
        var cart = await ShopperFlowTests.PostOkAsync(anonymous, "/api/v1/cart/lines", new { skuId = skuA, quantity = 1 });
        Assert.Equal(3, cart.GetProperty("lines")[0].GetProperty("quantity").GetInt32());
        Assert.Equal(30m, cart.GetProperty("selectedSubtotal").GetDecimal());

        // Log in carrying the session: the anonymous cart moves into the shopper's.
        using var registrar = app.NewClient();
        (await registrar.PostAsJsonAsync("/api/v1/auth/register", new { phone = "13300000001", password = "secret-pass-1" })).EnsureSuccessStatusCode();
        using var login = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/login") { Content = JsonContent.Create(new { login = "13300000001", password = "secret-pass-1" }) };
        login.Headers.Add("X-Mall-Cart-Session", Session);
        var token = (await (await registrar.SendAsync(login)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        using var shopper = app.NewClient();
        shopper.DefaultRequestHeaders.Authorization = new("Bearer", token);
        Assert.Empty((await CatalogApiTests.GetJsonAsync(anonymous, "/api/v1/cart")).GetProperty("lines").EnumerateArray());

        await ShopperFlowTests.PostOkAsync(shopper, "/api/v1/cart/lines", new { skuId = skuB, quantity = 5 });
        var unselect = await shopper.PatchAsJsonAsync($"/api/v1/cart/lines/{skuB}", new { selected = false });
        Assert.Equal(HttpStatusCode.OK, unselect.StatusCode);

        // The merchant changes the price: the cart shows the new one, never a stored one.
        await app.Admin.PutAsJsonAsync($"/api/admin/catalog/products/{productA}", new
        {
            name = "Flow product", categoryId = (await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/catalog/products/{productA}")).GetProperty("categoryId").GetInt64(),
            skus = new[] { new { code = (await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/catalog/products/{productA}")).GetProperty("skus")[0].GetProperty("code").GetString(), price = 12m } },
        });
        var merged = await CatalogApiTests.GetJsonAsync(shopper, "/api/v1/cart");
        Assert.Equal(36m, merged.GetProperty("selectedSubtotal").GetDecimal());

        var address = await ShopperFlowTests.PostOkAsync(shopper, "/api/v1/me/addresses", new { receiver = "收件人", phone = "13300000001", regionCode = "440305", detail = "南山区 1 号" });
        var quote = await ShopperFlowTests.PostOkAsync(shopper, "/api/v1/checkout/quote", new { fromCart = true, addressId = address.GetProperty("id").GetInt64() });
        Assert.Equal((36m, 0m, 0m, 36m), (quote.GetProperty("subtotal").GetDecimal(), quote.GetProperty("shippingFee").GetDecimal(), quote.GetProperty("discount").GetDecimal(), quote.GetProperty("total").GetDecimal()));

        var order = await ShopperFlowTests.PostOkAsync(shopper, "/api/v1/orders", new { fromCart = true, addressId = address.GetProperty("id").GetInt64() });
        Assert.Equal(36m, order.GetProperty("total").GetDecimal());
        Assert.Equal("440305", order.GetProperty("shippingAddress").GetProperty("regionCode").GetString());
        var left = (await CatalogApiTests.GetJsonAsync(shopper, "/api/v1/cart")).GetProperty("lines");
        Assert.Equal(skuB, Assert.Single(left.EnumerateArray()).GetProperty("skuId").GetInt64()); // the unselected line stays

        // Another shopper's address cannot be used, and nothing is written.
        using var other = await app.ShopperAsync("13300000002");
        var before = await app.CountAsync("mall_order");
        var stolen = await other.PostAsJsonAsync("/api/v1/orders", new { lines = new[] { new { skuId = skuA, quantity = 1 } }, addressId = address.GetProperty("id").GetInt64() });
        Assert.Equal(HttpStatusCode.BadRequest, stolen.StatusCode);
        Assert.Equal(before, await app.CountAsync("mall_order"));
        var emptyCart = await other.PostAsJsonAsync("/api/v1/orders", new { fromCart = true });
        Assert.Equal(HttpStatusCode.BadRequest, emptyCart.StatusCode);
        var noOwner = await app.NewClient().GetAsync("/api/v1/cart");
        Assert.Equal(HttpStatusCode.BadRequest, noOwner.StatusCode);
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Shipping_and_promotion_extensions_price_quotes_and_orders(string provider)
    {
        await using var app = await MallApp.StartAsync(provider, s =>
        {
            s.AddSingleton<IShippingRateProvider>(new FlatRate("Express", 12m));
            s.AddSingleton<IShippingRateProvider>(new FlatRate("Economy", 8m));
            s.AddSingleton<IPromotionEvaluator, HundredMinusTwenty>();
        });
        var (_, sku) = await ShopperFlowTests.PublishedProductAsync(app, stock: 10, price: 55m);
        using var shopper = await app.ShopperAsync("13300000003");

        var quote = await ShopperFlowTests.PostOkAsync(shopper, "/api/v1/checkout/quote", new { lines = new[] { new { skuId = sku, quantity = 2 } } });
        Assert.Equal((110m, 8m, 20m, 98m), (quote.GetProperty("subtotal").GetDecimal(), quote.GetProperty("shippingFee").GetDecimal(), quote.GetProperty("discount").GetDecimal(), quote.GetProperty("total").GetDecimal()));
        Assert.Contains(quote.GetProperty("adjustments").EnumerateArray(), a => a.GetProperty("description").GetString() == "满100减20" && a.GetProperty("kind").GetString() == "discount");
        Assert.Contains(quote.GetProperty("adjustments").EnumerateArray(), a => a.GetProperty("kind").GetString() == "shipping" && a.GetProperty("source").GetString() == "Economy");

        using var request = ShopperFlowTests.OrderRequest(sku, 2, null);
        var order = await (await shopper.SendAsync(request)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((110m, 8m, 20m, 98m), (order.GetProperty("subtotal").GetDecimal(), order.GetProperty("shippingFee").GetDecimal(), order.GetProperty("discount").GetDecimal(), order.GetProperty("total").GetDecimal()));
        // Every method that delivers is offered; the shopper may choose one that is not the cheapest.
        Assert.Equal(["Express:12", "Economy:8"], quote.GetProperty("shippingOptions").EnumerateArray().Select(o => $"{o.GetProperty("method").GetString()}:{o.GetProperty("amount").GetDecimal():0}"));
        Assert.Equal("Economy", quote.GetProperty("shippingMethod").GetString());
        var express = await ShopperFlowTests.PostOkAsync(shopper, "/api/v1/checkout/quote", new { lines = new[] { new { skuId = sku, quantity = 2 } }, shippingMethod = "express" });
        Assert.Equal((12m, 102m, "Express"), (express.GetProperty("shippingFee").GetDecimal(), express.GetProperty("total").GetDecimal(), express.GetProperty("shippingMethod").GetString()));
        var ordersBefore = await app.CountAsync("mall_order");
        var unknown = await shopper.PostAsJsonAsync("/api/v1/orders", new { lines = new[] { new { skuId = sku, quantity = 1 } }, shippingMethod = "Teleport" });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("Express, Economy", await unknown.Content.ReadAsStringAsync());
        Assert.Equal(ordersBefore, await app.CountAsync("mall_order"));
        var expressOrder = await ShopperFlowTests.PostOkAsync(shopper, "/api/v1/orders", new { lines = new[] { new { skuId = sku, quantity = 2 } }, shippingMethod = "Express" });
        Assert.Equal(12m, expressOrder.GetProperty("shippingFee").GetDecimal());
    }

    private sealed class FlatRate(string name, decimal amount) : IShippingRateProvider
    {
        public string Name => name;
        public Task<ShippingRate?> QuoteAsync(CheckoutContext context, CancellationToken cancellationToken) => Task.FromResult<ShippingRate?>(new ShippingRate(amount, name));
    }

    private sealed class HundredMinusTwenty : IPromotionEvaluator
    {
        public string Name => "full-reduction";
        public Task<IReadOnlyList<PromotionDiscount>> EvaluateAsync(CheckoutContext context, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<PromotionDiscount>>(context.Subtotal >= 100m ? [new PromotionDiscount(20m, "满100减20")] : []);
    }
}
