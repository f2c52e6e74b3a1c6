using System.Net.Http.Headers;
using Mall.Client;
using Mall.Testing;

namespace Mall.Web.Tests;

/// <summary>The typed client generated from the OpenAPI document (Mall.Client), end to end against a real host.</summary>
public class ClientTests
{
    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task A_shopper_registers_browses_orders_and_pays_in_the_sandbox_through_the_typed_client(string provider)
    {
        await using var app = await MallApp.StartAsync(provider, settings: [new("Mall:Payments:Sandbox:Secret", "client-test-secret")], kestrel: true);
        var (productId, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 5, price: 12.34m);
        using var anonymousHttp = app.NewClient();
        var anonymous = new MallClient(anonymousHttp);

        // Register and log in.
        var customer = await anonymous.PostAuthRegisterAsync(new RegisterCustomerInput { Phone = "13700000001", Password = "client-pass-1" });
        Assert.True(customer.Id > 0);
        var token = await anonymous.PostAuthLoginAsync(new LoginRequest { Login = "13700000001", Password = "client-pass-1" });
        using var shopperHttp = app.NewClient();
        shopperHttp.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.AccessToken);
        var shopper = new MallClient(shopperHttp);

        // Browse: money arrives as decimal, exactly.
        var found = await shopper.Storefront_SearchProductsAsync(keyword: "Flow");
        var summary = Assert.Single(found.Items, p => p.Id == productId);
        Assert.Equal(12.34m, summary.MinPrice);
        var product = await shopper.Storefront_GetProductAsync(productId);
        var sku = Assert.Single(product.Skus, s => s.Id == skuId);
        Assert.Equal(12.34m, sku.Price);

        // Order with an address, then pay in the sandbox cashier.
        var address = await shopper.PostMeAddressesAsync(new CustomerAddressInput { Receiver = "Li Lei", Phone = "13700000001", RegionCode = "110105", Detail = "1 Client Road" });
        var order = await shopper.PostOrdersAsync(new PlaceOrderBody { Lines = [new PlaceOrderLine { SkuId = skuId, Quantity = 2 }], AddressId = address.Id }, idempotency_Key: "client-order-1");
        Assert.Equal(OrderStatus.PendingPayment, order.Status);
        Assert.Equal(24.68m, order.Subtotal);
        var payment = await shopper.PostOrdersByIdPaymentsAsync(order.Id, new StartPaymentRequest { Provider = "sandbox" });
        Assert.Equal(PaymentActionKind.Redirect, payment.Action.Kind);
        using (var paid = await anonymousHttp.PostAsync($"{payment.Action.Url}&outcome=captured", null))
            Assert.True(paid.IsSuccessStatusCode, await paid.Content.ReadAsStringAsync());
        Assert.Equal(OrderStatus.Paid, (await shopper.GetOrdersByIdAsync(order.Id)).Status);
        Assert.Contains((await shopper.GetOrdersAsync()).Items, o => o.Id == order.Id && o.Status == OrderStatus.Paid);

        // Problem details arrive as typed exceptions, naming the field.
        var refused = await Assert.ThrowsAsync<MallApiException<ProblemDetails>>(() =>
            shopper.PostOrdersAsync(new PlaceOrderBody { Lines = [new PlaceOrderLine { SkuId = skuId, Quantity = 0 }] }, idempotency_Key: "client-order-2"));
        Assert.Equal(400, refused.StatusCode);
        Assert.Equal(400, refused.Result.Status);
        Assert.NotNull(refused.Result.Errors);
        Assert.Contains(refused.Result.Errors!.Keys, k => k.Contains("quantity", StringComparison.OrdinalIgnoreCase));
        var missing = await Assert.ThrowsAsync<MallApiException<ProblemDetails>>(() => shopper.GetOrdersByIdAsync(987654321));
        Assert.Equal(404, missing.StatusCode);
    }
}
