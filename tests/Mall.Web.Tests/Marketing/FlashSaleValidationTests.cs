using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Mall.Plugins.FlashSale;
using Mall.Testing;

namespace Mall.Web.Tests.Marketing;

/// <summary>The flash sale's bad-input corpus: each is a 4xx problem naming what is wrong, and nothing is written.</summary>
public class FlashSaleValidationTests
{
    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Bad_sessions_and_bad_attempts_are_4xx_problems_that_write_nothing(string provider)
    {
        await using var app = await FlashSaleTests.StartAsync(provider, redis: true);
        var (_, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 10, price: 9m);
        var now = DateTime.UtcNow;
        object Session(object item, DateTime? starts = null, DateTime? ends = null) =>
            new { name = "bad", startsAt = starts ?? now.AddMinutes(-1), endsAt = ends ?? now.AddHours(1), items = new[] { item } };

        var sessions = new (object Body, string Field)[]
        {
            (new { name = "", items = Array.Empty<object>() }, "startsAt"),
            (new { name = "", startsAt = now, endsAt = now.AddHours(1), items = Array.Empty<object>() }, "name"),
            (new { name = "x", startsAt = now, endsAt = now.AddHours(1), items = Array.Empty<object>() }, "items"),
            (Session(new { skuId, flashPrice = 1m, flashStock = 5, perShopperLimit = 1 }, ends: now.AddMinutes(-2)), "endsAt"),
            (Session(new { skuId, flashPrice = 1m, flashStock = 5, perShopperLimit = 1 }, ends: now.AddDays(8)), "endsAt"),
            (Session(new { skuId, flashPrice = 9m, flashStock = 5, perShopperLimit = 1 }), "items[0].flashPrice"),
            (Session(new { skuId, flashPrice = 1.001m, flashStock = 5, perShopperLimit = 1 }), "items[0].flashPrice"),
            (Session(new { skuId, flashPrice = 1m, flashStock = 11, perShopperLimit = 1 }), "items[0].flashStock"),
            (Session(new { skuId, flashPrice = 1m, flashStock = 0, perShopperLimit = 1 }), "items[0].flashStock"),
            (Session(new { skuId, flashPrice = 1m, flashStock = 5, perShopperLimit = 0 }), "items[0].perShopperLimit"),
            (Session(new { skuId = 999999, flashPrice = 1m, flashStock = 5, perShopperLimit = 1 }), "items[0].skuId"),
        };
        foreach (var (body, field) in sessions)
        {
            using var response = await app.Admin.PostAsJsonAsync($"{FlashSalePlugin.Routes}/admin/sessions", body);
            var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"expected an error on {field}: {problem}");
        }
        using (var malformed = await app.Admin.PostAsync($"{FlashSalePlugin.Routes}/admin/sessions", new StringContent("{\"name\": ", Encoding.UTF8, "application/json")))
            await ProblemAsync(malformed, HttpStatusCode.BadRequest);
        using (var shopperOnly = await app.Anonymous.PostAsJsonAsync($"{FlashSalePlugin.Routes}/admin/sessions", Session(new { skuId, flashPrice = 1m, flashStock = 5, perShopperLimit = 1 })))
            Assert.Equal(HttpStatusCode.Unauthorized, shopperOnly.StatusCode);
        Assert.Equal(0, await app.CountAsync("flashsale_session"));
        Assert.Equal(0, await app.CountAsync("flashsale_item"));

        var (itemId, _) = await FlashSaleTests.SessionAsync(app, units: 5, limit: 2, stock: 5);
        var tokens = await app.ShopperTokensAsync(2);
        using var shopper = app.NewClient();
        shopper.DefaultRequestHeaders.Authorization = new("Bearer", tokens[0].Token);
        var attempts = new (object Body, HttpStatusCode Status, string? Field)[]
        {
            (new { quantity = 0, key = "a" }, HttpStatusCode.BadRequest, "quantity"),
            (new { quantity = 3, key = "a" }, HttpStatusCode.BadRequest, "quantity"),
            (new { quantity = 1, key = "" }, HttpStatusCode.BadRequest, "key"),
            (new { quantity = 1, key = "has space" }, HttpStatusCode.BadRequest, "key"),
            (new { quantity = 1, key = new string('k', 65) }, HttpStatusCode.BadRequest, "key"),
            (new { quantity = 1, key = "a", addressId = -1 }, HttpStatusCode.BadRequest, "addressId"),
        };
        foreach (var (body, status, field) in attempts)
        {
            using var response = await shopper.PostAsJsonAsync($"{FlashSalePlugin.Routes}/items/{itemId}/attempts", body);
            var problem = await ProblemAsync(response, status);
            Assert.True(field is null || problem.GetProperty("errors").TryGetProperty(field, out _), $"expected an error on {field}: {problem}");
        }
        using (var unknown = await shopper.PostAsJsonAsync($"{FlashSalePlugin.Routes}/items/999999/attempts", new { quantity = 1, key = "a" }))
            await ProblemAsync(unknown, HttpStatusCode.NotFound);
        using (var anonymous = await app.Anonymous.PostAsJsonAsync($"{FlashSalePlugin.Routes}/items/{itemId}/attempts", new { quantity = 1, key = "a" }))
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal((0, 0), await FlashSaleTests.CountsAsync(app, itemId));
        Assert.Equal(0, await app.CountAsync("flashsale_ticket"));

        // A ticket is only its shopper's to read.
        using var admitted = await shopper.PostAsJsonAsync($"{FlashSalePlugin.Routes}/items/{itemId}/attempts", new { quantity = 1, key = "ok" });
        Assert.Equal(HttpStatusCode.Accepted, admitted.StatusCode);
        var ticket = JsonDocument.Parse(await admitted.Content.ReadAsStringAsync()).RootElement.GetProperty("ticket").GetString();
        using var other = app.NewClient();
        other.DefaultRequestHeaders.Authorization = new("Bearer", tokens[1].Token);
        await ProblemAsync(await other.GetAsync($"{FlashSalePlugin.Routes}/tickets/{ticket}"), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await shopper.GetAsync($"{FlashSalePlugin.Routes}/tickets/{ticket}")).StatusCode);
        Assert.Equal(4, await FlashSaleTests.RedisAvailableAsync(app, itemId));
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
