using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mall.Security;
using Mall.Testing;

namespace Mall.Web.Tests.OpenPlatform;

/// <summary>
/// Rate limits: per IP for anonymous calls, per shopper, per API key, stricter on sign-in and starting payments; a
/// refused call is a 429 problem with Retry-After; with Redis the limits hold across nodes, without it each node
/// counts for itself; payment notifications are never limited.
/// </summary>
public class RateLimitTests
{
    private const string Products = "/api/v1/catalog/products";

    private static List<KeyValuePair<string, string?>> Limits(params (string Limit, int Permits)[] limits) =>
    [
        new("Mall:RateLimits:Enabled", "true"),
        .. limits.SelectMany(l => new KeyValuePair<string, string?>[]
        {
            new($"Mall:RateLimits:{l.Limit}:PermitLimit", l.Permits.ToString()),
            new($"Mall:RateLimits:{l.Limit}:Window", "00:10:00"),
        }),
    ];

    private static async Task AssertLimitedAsync(HttpResponseMessage response, string limit)
    {
        var problem = await ApiKeyTests.ProblemAsync(response, HttpStatusCode.TooManyRequests);
        Assert.Equal("rate_limited", problem.GetProperty("code").GetString());
        Assert.Equal(limit, problem.GetProperty("limit").GetString());
        var retryAfter = int.Parse(response.Headers.GetValues("Retry-After").Single());
        Assert.InRange(retryAfter, 1, 600);
        Assert.Equal(retryAfter, problem.GetProperty("retryAfterSeconds").GetInt32());
    }

    [Fact]
    public async Task Each_kind_of_caller_has_its_own_limit_and_sign_in_and_payments_stricter_ones()
    {
        await using var app = await MallApp.StartAsync(Mall.Data.Sqlite.SqliteDatabaseProvider.ProviderName, settings: Limits(
            ("Anonymous", 12), ("Shopper", 6), ("ApiKey", 2), ("SignIn", 3), ("Payment", 1), ("Admin", 10_000)));
        var (_, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 5, price: 2m);

        // A shopper: registering and signing in are anonymous calls that also count against the sign-in limit (2 of 3).
        using var shopper = await app.ShopperAsync("13800000501");
        using var place = ShopperFlowTests.OrderRequest(skuId, 1, "r-1");
        var orderId = (await (await shopper.SendAsync(place)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        // Starting a payment: one a window here; the second is refused by the payment limit.
        Assert.True((await shopper.PostAsJsonAsync($"/api/v1/orders/{orderId}/payments", new { provider = "sandbox" })).StatusCode != HttpStatusCode.TooManyRequests);
        await AssertLimitedAsync(await shopper.PostAsJsonAsync($"/api/v1/orders/{orderId}/payments", new { provider = "sandbox" }), "payment");
        // The shopper's own limit (6): order, two payment calls, three more reads, then refused.
        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, (await shopper.GetAsync("/api/v1/orders")).StatusCode);
        await AssertLimitedAsync(await shopper.GetAsync("/api/v1/orders"), "shopper");

        // Sign-in: the third attempt from this address still goes (and fails on its password), the fourth is refused.
        using var anonymous = app.NewClient();
        using (var third = await anonymous.PostAsJsonAsync("/api/v1/auth/login", new { login = "13800000501", password = "wrong-pass-1" }))
            Assert.True(third.StatusCode is not HttpStatusCode.TooManyRequests && !third.IsSuccessStatusCode, $"the third sign-in answered {third.StatusCode}");
        await AssertLimitedAsync(await anonymous.PostAsJsonAsync("/api/v1/auth/login", new { login = "13800000501", password = "secret-pass-1" }), "signIn");
        await AssertLimitedAsync(await anonymous.PostAsJsonAsync("/api/admin/auth/login", new { userName = MallApp.AdminUser, password = MallApp.AdminPassword }), "signIn");

        // Anonymous reads (12 a window from this address, the sign-in calls included): then refused, while the shopper's
        // and the admins' own limits are theirs.
        HttpResponseMessage last;
        var allowed = 0;
        while ((last = await anonymous.GetAsync(Products)).StatusCode == HttpStatusCode.OK) allowed++;
        await AssertLimitedAsync(last, "anonymous");
        Assert.InRange(allowed, 1, 12);
        Assert.Equal(HttpStatusCode.OK, (await app.Admin.GetAsync("/api/admin/orders")).StatusCode);

        // An API key: two calls, then refused; another key has its own count.
        var token = (await app.PostOkAsync("/api/admin/api-keys", new { name = "erp", scopes = new[] { ApiScopes.OrdersRead } })).GetProperty("token").GetString()!;
        var other = (await app.PostOkAsync("/api/admin/api-keys", new { name = "bi", scopes = new[] { ApiScopes.OrdersRead } })).GetProperty("token").GetString()!;
        using (var key = ApiKeyTests.KeyClient(app, token))
        {
            Assert.Equal(HttpStatusCode.OK, (await key.GetAsync("/api/admin/orders")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await key.GetAsync("/api/admin/orders")).StatusCode);
            await AssertLimitedAsync(await key.GetAsync("/api/admin/orders"), "apiKey");
        }
        using (var key = ApiKeyTests.KeyClient(app, other))
            Assert.Equal(HttpStatusCode.OK, (await key.GetAsync("/api/admin/orders")).StatusCode);

        // Payment notifications come from the gateways and are signed: never limited.
        for (var i = 0; i < 20; i++)
            Assert.NotEqual(HttpStatusCode.TooManyRequests, (await anonymous.PostAsync("/api/v1/payments/notify/sandbox", new StringContent("{}"))).StatusCode);
    }

    [Fact]
    public async Task With_Redis_a_limit_holds_across_nodes_and_without_it_each_node_counts_for_itself()
    {
        await using (var app = await MallApp.StartAsync(Mall.Data.Sqlite.SqliteDatabaseProvider.ProviderName, settings: [.. Limits(("ApiKey", 4)), .. MallApp.RedisSettings()]))
        {
            await using var node = await app.StartNodeAsync();
            var token = (await app.PostOkAsync("/api/admin/api-keys", new { name = "erp", scopes = new[] { ApiScopes.OrdersRead } })).GetProperty("token").GetString()!;
            using var onA = ApiKeyTests.KeyClient(app, token);
            using var onB = ApiKeyTests.KeyClient(node, token);
            for (var i = 0; i < 2; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await onA.GetAsync("/api/admin/orders")).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await onB.GetAsync("/api/admin/orders")).StatusCode);
            }
            await AssertLimitedAsync(await onA.GetAsync("/api/admin/orders"), "apiKey");
            await AssertLimitedAsync(await onB.GetAsync("/api/admin/orders"), "apiKey");
        }

        await using (var app = await MallApp.StartAsync(Mall.Data.Sqlite.SqliteDatabaseProvider.ProviderName, settings: Limits(("ApiKey", 4))))
        {
            await using var node = await app.StartNodeAsync();
            var token = (await app.PostOkAsync("/api/admin/api-keys", new { name = "erp", scopes = new[] { ApiScopes.OrdersRead } })).GetProperty("token").GetString()!;
            using var onA = ApiKeyTests.KeyClient(app, token);
            using var onB = ApiKeyTests.KeyClient(node, token);
            for (var i = 0; i < 4; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await onA.GetAsync("/api/admin/orders")).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await onB.GetAsync("/api/admin/orders")).StatusCode);
            }
            await AssertLimitedAsync(await onA.GetAsync("/api/admin/orders"), "apiKey");
        }
    }
}
