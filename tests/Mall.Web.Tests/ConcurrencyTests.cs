using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Mall.Testing;

namespace Mall.Web.Tests;

public class ConcurrencyTests
{
    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Two_hundred_concurrent_checkouts_over_HTTP_sell_exactly_the_stock_without_5xx(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        var (_, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 50, price: 1m);
        var shoppers = new List<HttpClient>();
        for (var i = 0; i < 20; i++) shoppers.Add(await app.ShopperAsync($"1510000{i:0000}"));

        var statuses = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(async () =>
        {
            using var request = ShopperFlowTests.OrderRequest(skuId, 1, $"buy-{i}");
            using var response = await shoppers[i % shoppers.Count].SendAsync(request);
            return response.StatusCode;
        })));

        Assert.Equal(50, statuses.Count(s => s == HttpStatusCode.Created));
        Assert.Equal(150, statuses.Count(s => s == HttpStatusCode.Conflict));
        Assert.DoesNotContain(statuses, s => (int)s >= 500);
        Assert.Equal(50, await app.CountAsync("mall_order"));
        var stock = await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/inventory/skus/{skuId}");
        Assert.Equal((50L, 0L, 50L, 0L), (stock.GetProperty("received").GetInt64(), stock.GetProperty("available").GetInt64(), stock.GetProperty("reserved").GetInt64(), stock.GetProperty("sold").GetInt64()));

        // One key replayed twenty times at once: one order, the same one every time.
        await app.Admin.PostAsJsonAsync($"/api/admin/inventory/skus/{skuId}/adjustments", new { delta = 5, reason = "restock", reference = "restock-1" });
        var replays = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(async () =>
        {
            using var request = ShopperFlowTests.OrderRequest(skuId, 2, "same-key");
            using var response = await shoppers[0].SendAsync(request);
            return (response.StatusCode, Id: (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64());
        })));
        Assert.Single(replays.Select(r => r.Id).Distinct());
        Assert.Equal(1, replays.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(19, replays.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(51, await app.CountAsync("mall_order"));
        foreach (var client in shoppers) client.Dispose();
    }

    [Fact]
    public async Task Oversized_bodies_are_refused_by_a_real_server_with_413()
    {
        await using var database = await TestDatabase.CreateAsync(TestDatabase.Providers[0]);
        await using var factory = MallApp.CreateFactory(database);
        factory.UseKestrel(0);
        factory.StartServer();
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Mall-Admin-Key", MallApp.AdminKey);
        var before = await CountAsync(factory);

        // As curl does for large bodies, the client asks before sending (Expect: 100-continue): the server refuses on the
        // declared length, and the client does not write a body the server has stopped reading (which, racing the
        // early 413, could otherwise end in a broken pipe instead of the answer).
        var storefront = await SendAsync(client, "/api/v1/auth/register", $$"""{"phone":"13800000000","password":"{{new string('p', 100 * 1024)}}"}""");
        var admin = await SendAsync(client, "/api/admin/catalog/brands", $$"""{"name":"{{new string('b', 3 * 1024 * 1024)}}"}""");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, storefront.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, admin.StatusCode);
        Assert.Equal("application/problem+json", admin.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, await CountAsync(factory));
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string url, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.ExpectContinue = true;
        return client.SendAsync(request);
    }

    private static async Task<long> CountAsync(Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> factory)
    {
        var database = (Mall.Data.IMallDatabase)factory.Services.GetService(typeof(Mall.Data.IMallDatabase))!;
        await using var connection = await database.OpenConnectionAsync();
        return await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, "SELECT (SELECT COUNT(*) FROM mall_customer) + (SELECT COUNT(*) FROM mall_brand)");
    }
}
