using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mall.Testing;

namespace Mall.Web.Tests;

/// <summary>The path every shopper walks, end to end over HTTP, on each database.</summary>
public class ShopperFlowTests
{
    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Register_login_browse_order_pay_ship_complete_and_cancel(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        var (productId, skuId) = await PublishedProductAsync(app, stock: 10, price: 25.5m);
        using var shopper = await app.ShopperAsync("13800000001");
        using var admin = await app.AdminByLoginAsync();

        var me = await CatalogApiTests.GetJsonAsync(shopper, "/api/v1/me");
        Assert.Equal("13800000001", me.GetProperty("phone").GetString());
        var product = await CatalogApiTests.GetJsonAsync(shopper, $"/api/v1/catalog/products/{productId}");
        Assert.Equal(25.5m, product.GetProperty("skus")[0].GetProperty("price").GetDecimal());

        using var placeRequest = OrderRequest(skuId, 2, "key-1");
        var placed = await shopper.SendAsync(placeRequest);
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
        var order = await placed.Content.ReadFromJsonAsync<JsonElement>();
        var orderId = order.GetProperty("id").GetInt64();
        Assert.Equal("pendingPayment", order.GetProperty("status").GetString());
        Assert.Equal(51m, order.GetProperty("total").GetDecimal());

        using var replayRequest = OrderRequest(skuId, 2, "key-1");
        var replay = await shopper.SendAsync(replayRequest);
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal(orderId, (await replay.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64());

        await PostOkAsync(shopper, $"/api/v1/orders/{orderId}/dev-pay");
        await PostOkAsync(admin, $"/api/admin/orders/{orderId}/ship", new { carrier = "SF Express", trackingNumber = "SF100" });
        var completed = await PostOkAsync(shopper, $"/api/v1/orders/{orderId}/confirm-receipt");
        Assert.Equal("completed", completed.GetProperty("status").GetString());
        Assert.Equal(["place", "pay", "ship", "complete"], completed.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("trigger").GetString()));
        Assert.Equal("admin:root", completed.GetProperty("history")[2].GetProperty("actor").GetString());

        // A second order, cancelled by the shopper: its stock comes back.
        using var second = OrderRequest(skuId, 3, null);
        var secondOrder = await (await shopper.SendAsync(second)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(5, await AvailableAsync(app, skuId));
        var cancelled = await PostOkAsync(shopper, $"/api/v1/orders/{secondOrder.GetProperty("id").GetInt64()}/cancel", new { reason = "changed my mind" });
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.Equal(8, await AvailableAsync(app, skuId));
        var again = await shopper.PostAsJsonAsync($"/api/v1/orders/{secondOrder.GetProperty("id").GetInt64()}/cancel", new { });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("order.illegal_transition", (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());

        var mine = await CatalogApiTests.GetJsonAsync(shopper, "/api/v1/orders?status=cancelled");
        Assert.Equal(1, mine.GetProperty("total").GetInt64());
        var all = await CatalogApiTests.GetJsonAsync(admin, "/api/admin/orders");
        Assert.Equal(2, all.GetProperty("total").GetInt64());
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task An_unpaid_order_times_out_and_its_stock_returns(string provider)
    {
        await using var app = await MallApp.StartAsync(provider, settings: [new("Mall:Ordering:PaymentTimeout", "00:00:01")]);
        var (_, skuId) = await PublishedProductAsync(app, stock: 4, price: 9m);
        using var shopper = await app.ShopperAsync("13800000002");
        using var request = OrderRequest(skuId, 4, null);
        var order = await (await shopper.SendAsync(request)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(0, await AvailableAsync(app, skuId));

        var status = "";
        for (var i = 0; i < 100 && status != "cancelled"; i++)
        {
            await Task.Delay(200);
            status = (await CatalogApiTests.GetJsonAsync(shopper, $"/api/v1/orders/{order.GetProperty("id").GetInt64()}")).GetProperty("status").GetString()!;
        }

        Assert.Equal("cancelled", status);
        Assert.Equal(4, await AvailableAsync(app, skuId));
    }

    internal static HttpRequestMessage OrderRequest(long skuId, int quantity, string? idempotencyKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/orders") { Content = JsonContent.Create(new { lines = new[] { new { skuId, quantity } } }) };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return request;
    }

    internal static async Task<JsonElement> PostOkAsync(HttpClient client, string url, object? body = null)
    {
        var response = await client.PostAsJsonAsync(url, body ?? new { });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {url} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    internal static async Task<(long ProductId, long SkuId)> PublishedProductAsync(MallApp app, int stock, decimal price)
    {
        var category = await app.PostOkAsync("/api/admin/catalog/categories", new { name = "Flow" });
        var product = await app.PostOkAsync("/api/admin/catalog/products", new
        {
            name = "Flow product", categoryId = category.GetProperty("id").GetInt64(),
            skus = new[] { new { code = "FLOW-" + Guid.NewGuid().ToString("N")[..8], price, stock } },
        });
        var id = product.GetProperty("id").GetInt64();
        await app.PostOkAsync($"/api/admin/catalog/products/{id}/publish", new { });
        return (id, product.GetProperty("skus")[0].GetProperty("id").GetInt64());
    }

    internal static async Task<long> AvailableAsync(MallApp app, long skuId) =>
        (await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/inventory/skus/{skuId}")).GetProperty("available").GetInt64();
}
