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

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task A_session_is_changed_or_ended_by_an_admin_and_an_ended_session_admits_nobody(string provider)
    {
        await using var app = await FlashSaleTests.StartAsync(provider, redis: true);
        var (itemId, _) = await FlashSaleTests.SessionAsync(app, units: 5, limit: 2, stock: 5);
        var sessionId = (await CatalogApiTests.GetJsonAsync(app.Anonymous, $"{FlashSalePlugin.Routes}/sessions"))[0].GetProperty("id").GetInt64();
        var url = $"{FlashSalePlugin.Routes}/admin/sessions/{sessionId}";
        var before = await CatalogApiTests.GetJsonAsync(app.Admin, url);

        // Bad changes: 4xx problems, nothing changes.
        var bad = new (object Body, HttpStatusCode Status, string? Field)[]
        {
            (new { name = "" }, HttpStatusCode.BadRequest, "name"),
            (new { endsAt = DateTime.UtcNow.AddMinutes(-5) }, HttpStatusCode.BadRequest, "endsAt"),
            (new { endsAt = DateTime.UtcNow.AddDays(8) }, HttpStatusCode.BadRequest, "endsAt"),
            (new { startsAt = DateTime.UtcNow.AddMinutes(5) }, HttpStatusCode.Conflict, null),   // it has opened
        };
        foreach (var (body, status, field) in bad)
        {
            using var response = await app.Admin.PatchAsJsonAsync(url, body);
            var problem = await ProblemAsync(response, status);
            Assert.True(field is null || problem.GetProperty("errors").TryGetProperty(field, out _), $"expected an error on {field}: {problem}");
        }
        using (var unknown = await app.Admin.PatchAsJsonAsync($"{FlashSalePlugin.Routes}/admin/sessions/999999", new { name = "x" }))
            await ProblemAsync(unknown, HttpStatusCode.NotFound);
        using (var anonymous = await app.Anonymous.PostAsync($"{url}/end", null))
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(before.GetProperty("session").ToString(), (await CatalogApiTests.GetJsonAsync(app.Admin, url)).GetProperty("session").ToString());

        // A good change: the new name and closing, seen by shoppers at once.
        var ends = DateTime.UtcNow.AddHours(2);
        using (var changed = await app.Admin.PatchAsJsonAsync(url, new { name = "午夜秒杀", endsAt = ends, stackable = true }))
            Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var seen = (await CatalogApiTests.GetJsonAsync(app.Anonymous, $"{FlashSalePlugin.Routes}/sessions/{sessionId}"));
        Assert.Equal("午夜秒杀", seen.GetProperty("name").GetString());
        Assert.True(seen.GetProperty("stackable").GetBoolean());
        Assert.Equal(ends, seen.GetProperty("endsAt").GetDateTime().ToUniversalTime(), TimeSpan.FromSeconds(1));

        // One shopper is admitted; the session is ended; the next attempt is refused at once, the admitted one still
        // becomes an order, and the ended session cannot be ended or changed again.
        var tokens = await app.ShopperTokensAsync(2);
        using var first = app.NewClient();
        first.DefaultRequestHeaders.Authorization = new("Bearer", tokens[0].Token);
        using (var admitted = await first.PostAsJsonAsync($"{FlashSalePlugin.Routes}/items/{itemId}/attempts", new { quantity = 1, key = "before-end" }))
            Assert.Equal(HttpStatusCode.Accepted, admitted.StatusCode);
        using (var ended = await app.Admin.PostAsync($"{url}/end", null))
            Assert.Equal(HttpStatusCode.OK, ended.StatusCode);
        using var second = app.NewClient();
        second.DefaultRequestHeaders.Authorization = new("Bearer", tokens[1].Token);
        using (var refused = await second.PostAsJsonAsync($"{FlashSalePlugin.Routes}/items/{itemId}/attempts", new { quantity = 1, key = "after-end" }))
            Assert.Equal("flashsale.ended", (await ProblemAsync(refused, HttpStatusCode.Conflict)).GetProperty("code").GetString());
        await FlashSaleTests.WithinAsync(TimeSpan.FromSeconds(15), async () => (await FlashSaleTests.CountsAsync(app, itemId)).Reserved == 1, "the admitted attempt did not become an order");
        Assert.Equal("flashsale.ended", (await ProblemAsync(await app.Admin.PostAsync($"{url}/end", null), HttpStatusCode.Conflict)).GetProperty("code").GetString());
        Assert.Equal("flashsale.ended", (await ProblemAsync(await app.Admin.PatchAsJsonAsync(url, new { name = "again" }), HttpStatusCode.Conflict)).GetProperty("code").GetString());
        Assert.DoesNotContain((await CatalogApiTests.GetJsonAsync(app.Anonymous, $"{FlashSalePlugin.Routes}/sessions")).EnumerateArray(), s => s.GetProperty("id").GetInt64() == sessionId);
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
