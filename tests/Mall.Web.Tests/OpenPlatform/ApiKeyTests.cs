using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mall.Security;
using Mall.Testing;
using Mall.Web.Tests.Marketing;
using Mall.Web.Tests.Scale;

namespace Mall.Web.Tests.OpenPlatform;

/// <summary>
/// API keys: created by an owner (the token shown once, stored hashed), scoped per area of the admin API (a key
/// outside its scopes gets a 403 problem naming the scope it lacks), rotated with an overlap, revoked on every node
/// at once, limited to addresses and an expiry.
/// </summary>
public class ApiKeyTests
{
    private const string KeysUrl = "/api/admin/api-keys";

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task A_key_is_created_once_with_its_token_rotated_with_an_overlap_and_revoked(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        var created = await app.PostOkAsync(KeysUrl, new { name = "ERP", scopes = new[] { ApiScopes.CatalogRead, ApiScopes.OrdersFulfil } });
        var id = created.GetProperty("key").GetProperty("id").GetInt64();
        var token = created.GetProperty("token").GetString()!;
        Assert.StartsWith(created.GetProperty("key").GetProperty("prefix").GetString()! + ".", token);

        // The token is in no later answer, and only its hash is stored.
        var listed = await CatalogApiTests.GetJsonAsync(app.Admin, KeysUrl);
        Assert.DoesNotContain(token.Split('.')[1], listed.ToString());
        Assert.DoesNotContain(token.Split('.')[1], (await CatalogApiTests.GetJsonAsync(app.Admin, $"{KeysUrl}/{id}")).ToString());
        Assert.Equal(0, await app.ScalarAsync<long>("SELECT COUNT(*) FROM mall_api_key WHERE secret_hash = @secret", new { secret = token.Split('.')[1] }));

        using var key = KeyClient(app, token);
        Assert.Equal(HttpStatusCode.OK, (await key.GetAsync("/api/admin/catalog/products")).StatusCode);
        using (var bad = KeyClient(app, token[..^2] + "xx"))
            Assert.Equal(HttpStatusCode.Unauthorized, (await bad.GetAsync("/api/admin/catalog/products")).StatusCode);

        // Rotation: the new token works at once, the old one for the overlap.
        var rotated = await app.PostOkAsync($"{KeysUrl}/{id}/rotate", new { overlap = "01:00:00" });
        var newToken = rotated.GetProperty("token").GetString()!;
        Assert.NotEqual(token, newToken);
        Assert.NotNull(rotated.GetProperty("key").GetProperty("previousSecretValidUntil").GetString());
        using var renewed = KeyClient(app, newToken);
        Assert.Equal(HttpStatusCode.OK, (await renewed.GetAsync("/api/admin/catalog/products")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await key.GetAsync("/api/admin/catalog/products")).StatusCode);
        // Rotating with no overlap: only the newest token works.
        var again = await app.PostOkAsync($"{KeysUrl}/{id}/rotate", new { overlap = "00:00:00" });
        using var newest = KeyClient(app, again.GetProperty("token").GetString()!);
        Assert.Equal(HttpStatusCode.Unauthorized, (await key.GetAsync("/api/admin/catalog/products")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await renewed.GetAsync("/api/admin/catalog/products")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await newest.GetAsync("/api/admin/catalog/products")).StatusCode);

        // Revoked: refused at once; revoking again changes nothing; a revoked key cannot be rotated.
        var revoked = await app.PostOkAsync($"{KeysUrl}/{id}/revoke", new { });
        Assert.NotNull(revoked.GetProperty("revokedAt").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await newest.GetAsync("/api/admin/catalog/products")).StatusCode);
        Assert.Equal(revoked.GetProperty("revokedAt").GetString(), (await app.PostOkAsync($"{KeysUrl}/{id}/revoke", new { })).GetProperty("revokedAt").GetString());
        using (var rotateRevoked = await app.Admin.PostAsJsonAsync($"{KeysUrl}/{id}/rotate", new { }))
            Assert.Equal("apikey.inactive", (await ProblemAsync(rotateRevoked, HttpStatusCode.Conflict)).GetProperty("code").GetString());

        // An expiring key stops at its expiry.
        var brief = await app.PostOkAsync(KeysUrl, new { name = "brief", scopes = new[] { ApiScopes.CatalogRead }, expiresAt = DateTime.UtcNow.AddSeconds(2) });
        using var briefKey = KeyClient(app, brief.GetProperty("token").GetString()!);
        Assert.Equal(HttpStatusCode.OK, (await briefKey.GetAsync("/api/admin/catalog/products")).StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.Equal(HttpStatusCode.Unauthorized, (await briefKey.GetAsync("/api/admin/catalog/products")).StatusCode);
    }

    [Fact]
    public async Task Each_scope_opens_its_own_endpoints_and_a_key_outside_them_gets_a_problem_naming_the_missing_scope()
    {
        await using var app = await MallApp.StartAsync("Sqlite");
        var (_, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 5, price: 9m);
        // Per scope: one request it opens (any answer but 401/403 shows the key got through).
        var requests = new (string Scope, HttpMethod Method, string Url, object? Body)[]
        {
            (ApiScopes.CatalogRead, HttpMethod.Get, "/api/admin/catalog/products", null),
            (ApiScopes.CatalogWrite, HttpMethod.Post, "/api/admin/catalog/brands", new { name = "Key brand" }),
            (ApiScopes.InventoryRead, HttpMethod.Get, $"/api/admin/inventory/skus/{skuId}", null),
            (ApiScopes.InventoryWrite, HttpMethod.Post, $"/api/admin/inventory/skus/{skuId}/adjustments", new { delta = 1, reason = "count", reference = "key-1" }),
            (ApiScopes.ShippingRead, HttpMethod.Get, "/api/admin/shipping/freight-templates", null),
            (ApiScopes.ShippingWrite, HttpMethod.Delete, "/api/admin/shipping/freight-templates/999999", null),
            (ApiScopes.MarketingRead, HttpMethod.Get, "/api/admin/promotions", null),
            (ApiScopes.MarketingWrite, HttpMethod.Delete, "/api/admin/promotions/999999", null),
            (ApiScopes.MarketingRead, HttpMethod.Get, "/api/admin/coupons/templates", null),
            (ApiScopes.OrdersRead, HttpMethod.Get, "/api/admin/orders", null),
            (ApiScopes.OrdersWrite, HttpMethod.Post, "/api/admin/orders/999999/cancel", new { reason = "x" }),
            (ApiScopes.OrdersFulfil, HttpMethod.Post, "/api/admin/orders/999999/ship", new { carrier = "SF", trackingNumber = "SF1" }),
            (ApiScopes.CustomersRead, HttpMethod.Get, "/api/admin/customers/999999", null),
            (ApiScopes.CustomersWrite, HttpMethod.Post, "/api/admin/customers/999999/assets", new { asset = "points", delta = 1, reason = "x", reference = "key-2" }),
            (ApiScopes.WebhooksManage, HttpMethod.Get, "/api/admin/webhooks/subscriptions", null),
            (ApiScopes.WebhooksManage, HttpMethod.Post, "/api/admin/webhooks/deliveries/999999/replay", new { }),
            (ApiScopes.AuditRead, HttpMethod.Get, "/api/admin/audit", null),
        };
        foreach (var scope in requests.Select(r => r.Scope).Distinct())
        {
            var token = (await app.PostOkAsync(KeysUrl, new { name = $"only {scope}", scopes = new[] { scope } })).GetProperty("token").GetString()!;
            using var key = KeyClient(app, token);
            foreach (var (needed, method, url, body) in requests)
            {
                using var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
                using var response = await key.SendAsync(request);
                if (needed == scope)
                    Assert.True(response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden), $"{scope} should open {method} {url}: {(int)response.StatusCode}");
                else
                {
                    var problem = await ProblemAsync(response, HttpStatusCode.Forbidden);
                    Assert.Equal("apikey.missing_scope", problem.GetProperty("code").GetString());
                    Assert.Equal(needed, problem.GetProperty("missingScope").GetString());
                    Assert.Contains(needed, problem.GetProperty("detail").GetString());
                }
            }
            // What only an owner may do, no key does, whatever its scopes.
            foreach (var url in new[] { KeysUrl, "/api/admin/plugins", "/api/admin/themes", "/api/admin/admins" })
                Assert.Equal("apikey.owner_only", (await ProblemAsync(await key.GetAsync(url), HttpStatusCode.Forbidden)).GetProperty("code").GetString());
        }
        // A key's writes are done as the key.
        var writer = (await app.PostOkAsync(KeysUrl, new { name = "catalog writer", scopes = new[] { ApiScopes.CatalogWrite, ApiScopes.CatalogRead } }));
        using (var key = KeyClient(app, writer.GetProperty("token").GetString()!))
            Assert.Equal(HttpStatusCode.Created, (await key.PostAsJsonAsync("/api/admin/catalog/brands", new { name = "Written by a key" })).StatusCode);
    }

    [Fact]
    public async Task A_key_works_only_from_its_allowed_addresses()
    {
        await using var app = await MallApp.StartAsync("Sqlite", kestrel: true);
        var loopback = (await app.PostOkAsync(KeysUrl, new { name = "here", scopes = new[] { ApiScopes.CatalogRead }, allowedIps = new[] { "127.0.0.0/8", "::1" } })).GetProperty("token").GetString()!;
        var elsewhere = (await app.PostOkAsync(KeysUrl, new { name = "there", scopes = new[] { ApiScopes.CatalogRead }, allowedIps = new[] { "10.0.0.0/8" } })).GetProperty("token").GetString()!;
        using (var key = KeyClient(app, loopback)) Assert.Equal(HttpStatusCode.OK, (await key.GetAsync("/api/admin/catalog/products")).StatusCode);
        using (var key = KeyClient(app, elsewhere)) Assert.Equal(HttpStatusCode.Unauthorized, (await key.GetAsync("/api/admin/catalog/products")).StatusCode);
    }

    [Fact]
    public async Task A_key_revoked_on_one_node_is_refused_by_the_other_at_once()
    {
        await using var a = await FlashSaleTests.StartAsync("PostgreSql", redis: true);
        await using var b = await a.StartNodeAsync();
        var created = await a.PostOkAsync(KeysUrl, new { name = "both", scopes = new[] { ApiScopes.CatalogRead } });
        using var onB = KeyClient(b, created.GetProperty("token").GetString()!);
        Assert.Equal(HttpStatusCode.OK, (await onB.GetAsync("/api/admin/catalog/products")).StatusCode);   // B has read the keys
        await a.PostOkAsync($"{KeysUrl}/{created.GetProperty("key").GetProperty("id").GetInt64()}/revoke", new { });
        Assert.True(await TwoNodeTests.WithinAsync(TimeSpan.FromSeconds(1), async () => (await onB.GetAsync("/api/admin/catalog/products")).StatusCode == HttpStatusCode.Unauthorized) is not null,
            "node B still accepts the revoked key after 1 s");
    }

    [Fact]
    public async Task Bad_keys_and_bad_changes_are_4xx_problems_that_write_nothing()
    {
        await using var app = await MallApp.StartAsync("Sqlite");
        var bad = new (object Body, string Field)[]
        {
            (new { name = "", scopes = new[] { ApiScopes.CatalogRead } }, "name"),
            (new { name = new string('n', 101), scopes = new[] { ApiScopes.CatalogRead } }, "name"),
            (new { name = "x", scopes = Array.Empty<string>() }, "scopes"),
            (new { name = "x" }, "scopes"),
            (new { name = "x", scopes = new[] { "catalog:everything" } }, "scopes"),
            (new { name = "x", scopes = new[] { ApiScopes.CatalogRead }, allowedIps = new[] { "not-an-ip" } }, "allowedIps[0]"),
            (new { name = "x", scopes = new[] { ApiScopes.CatalogRead }, allowedIps = new[] { "10.0.0.0/99" } }, "allowedIps[0]"),
            (new { name = "x", scopes = new[] { ApiScopes.CatalogRead }, allowedIps = Enumerable.Range(1, 21).Select(i => $"10.0.0.{i}").ToArray() }, "allowedIps"),
            (new { name = "x", scopes = new[] { ApiScopes.CatalogRead }, expiresAt = DateTime.UtcNow.AddMinutes(-1) }, "expiresAt"),
        };
        foreach (var (body, field) in bad)
        {
            var problem = await ProblemAsync(await app.Admin.PostAsJsonAsync(KeysUrl, body), HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"expected an error on {field}: {problem}");
        }
        await ProblemAsync(await app.Admin.PostAsync(KeysUrl, new StringContent("{\"name\":", System.Text.Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        Assert.Equal(0, await app.CountAsync("mall_api_key"));

        var id = (await app.PostOkAsync(KeysUrl, new { name = "ok", scopes = new[] { ApiScopes.CatalogRead } })).GetProperty("key").GetProperty("id").GetInt64();
        var hash = await app.ScalarAsync<string>($"SELECT secret_hash FROM mall_api_key WHERE id = {id}");
        Assert.True((await ProblemAsync(await app.Admin.PostAsJsonAsync($"{KeysUrl}/{id}/rotate", new { overlap = "8.00:00:00" }), HttpStatusCode.BadRequest))
            .GetProperty("errors").TryGetProperty("overlap", out _));
        await ProblemAsync(await app.Admin.PostAsJsonAsync($"{KeysUrl}/{id}/rotate", new { overlap = "-00:01:00" }), HttpStatusCode.BadRequest);
        await ProblemAsync(await app.Admin.PostAsJsonAsync($"{KeysUrl}/999999/rotate", new { }), HttpStatusCode.NotFound);
        await ProblemAsync(await app.Admin.PostAsJsonAsync($"{KeysUrl}/999999/revoke", new { }), HttpStatusCode.NotFound);
        Assert.Equal(hash, await app.ScalarAsync<string>($"SELECT secret_hash FROM mall_api_key WHERE id = {id}"));
        // Shoppers and anonymous callers never reach the keys.
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Anonymous.GetAsync(KeysUrl)).StatusCode);
    }

    internal static HttpClient KeyClient(MallApp app, string token)
    {
        var client = app.NewClient();
        client.DefaultRequestHeaders.Add("X-Mall-Api-Key", token);
        return client;
    }

    internal static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            return JsonDocument.Parse(text).RootElement.Clone();
        }
    }
}
