using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mall.Security;
using Mall.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mall.Web.Tests.OpenPlatform;

/// <summary>
/// The audit log: every admin or API-key change recorded with who, what, which entity, the changed fields before and
/// after, when, from where and under which correlation id, in the change's transaction (a refused change leaves no
/// entry); queryable by entity, actor and time; read-only; never holding a secret.
/// </summary>
public class AuditTests
{
    private const string Audit = "/api/admin/audit";

    private static async Task<JsonElement> EntriesAsync(HttpClient client, string query) =>
        (await CatalogApiTests.GetJsonAsync(client, $"{Audit}?pageSize=100&{query}")).GetProperty("items");

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Admin_and_key_changes_are_recorded_with_their_fields_before_and_after_and_no_secret(string provider)
    {
        await using var app = await MallApp.StartAsync(provider, kestrel: true);
        using var admin = await app.AdminByLoginAsync();
        var (productId, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 5, price: 10m);
        var product = await CatalogApiTests.GetJsonAsync(admin, $"/api/admin/catalog/products/{productId}");
        var code = product.GetProperty("skus")[0].GetProperty("code").GetString()!;
        var categoryId = product.GetProperty("categoryId").GetInt64();

        // An admin changes the price, under a correlation id of the caller's.
        using (var update = new HttpRequestMessage(HttpMethod.Put, $"/api/admin/catalog/products/{productId}")
               {
                   Content = JsonContent.Create(new { name = "Flow product", categoryId, skus = new[] { new { code, price = 12.5m } } }),
               })
        {
            update.Headers.Add("X-Correlation-Id", "audit-test-1");
            Assert.True((await admin.SendAsync(update)).IsSuccessStatusCode);
        }
        var updated = (await EntriesAsync(admin, $"entityType=product&entityId={productId}")).EnumerateArray().First();
        Assert.Equal("admin:root", updated.GetProperty("actor").GetString());
        Assert.Equal("PUT /api/admin/catalog/products/{id:long}", updated.GetProperty("action").GetString());
        Assert.Equal("audit-test-1", updated.GetProperty("correlationId").GetString());
        Assert.Equal("127.0.0.1", updated.GetProperty("ip").GetString());
        var price = updated.GetProperty("changes").GetProperty($"skus[{code}].price");
        Assert.Equal(10m, price.GetProperty("before").GetDecimal());
        Assert.Equal(12.5m, price.GetProperty("after").GetDecimal());
        Assert.False(updated.GetProperty("changes").TryGetProperty("name", out _));   // unchanged fields are left out
        Assert.Equal(12.5m, updated.GetProperty("request").GetProperty("input").GetProperty("skus")[0].GetProperty("price").GetDecimal());
        // The product's whole story: created, published, updated.
        var story = await EntriesAsync(admin, $"entityType=product&entityId={productId}");
        Assert.Equal(["POST /api/admin/catalog/products", "POST /api/admin/catalog/products/{id:long}/publish", "PUT /api/admin/catalog/products/{id:long}"],
            story.EnumerateArray().Reverse().Select(e => e.GetProperty("action").GetString()));

        // Stock: before and after; a refused adjustment (below zero) writes no entry.
        await app.PostOkAsync($"/api/admin/inventory/skus/{skuId}/adjustments", new { delta = 3, reason = "count", reference = "audit-1" });
        var stock = (await EntriesAsync(admin, $"entityType=sku&entityId={skuId}")).EnumerateArray().Single();
        Assert.Equal(5, stock.GetProperty("changes").GetProperty("available").GetProperty("before").GetInt64());
        Assert.Equal(8, stock.GetProperty("changes").GetProperty("available").GetProperty("after").GetInt64());
        Assert.Equal("admin-key", stock.GetProperty("actor").GetString());
        var entries = await app.CountAsync("mall_audit");
        using (var refused = await app.Admin.PostAsJsonAsync($"/api/admin/inventory/skus/{skuId}/adjustments", new { delta = -100, reason = "count", reference = "audit-2" }))
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        using (var invalid = await app.Admin.PostAsJsonAsync($"/api/admin/inventory/skus/{skuId}/adjustments", new { delta = 0, reason = "", reference = "audit-3" }))
            Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        // Reads are not changes.
        await CatalogApiTests.GetJsonAsync(admin, "/api/admin/orders");
        Assert.Equal(entries, await app.CountAsync("mall_audit"));

        // A key's change is the key's; an order shipped by it records the status and tracking number.
        var keyToken = (await app.PostOkAsync("/api/admin/api-keys", new { name = "WMS", scopes = new[] { ApiScopes.OrdersFulfil, ApiScopes.OrdersRead } })).GetProperty("token").GetString()!;
        using var shopper = await app.ShopperAsync("13800000401");
        using var place = ShopperFlowTests.OrderRequest(skuId, 1, "a-1");
        var orderId = (await (await shopper.SendAsync(place)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{orderId}/dev-pay");
        using (var key = ApiKeyTests.KeyClient(app, keyToken))
            await ShopperFlowTests.PostOkAsync(key, $"/api/admin/orders/{orderId}/ship", new { carrier = "SF Express", trackingNumber = "SF-AUDIT-1" });
        var keyId = (await CatalogApiTests.GetJsonAsync(app.Admin, "/api/admin/api-keys"))[0].GetProperty("id").GetInt64();
        var byKey = await EntriesAsync(admin, $"actor=apikey:{keyId}");
        var shipped = byKey.EnumerateArray().Single();
        Assert.Equal("order", shipped.GetProperty("entityType").GetString());
        Assert.Equal(orderId.ToString(), shipped.GetProperty("entityId").GetString());
        Assert.Equal("paid", shipped.GetProperty("changes").GetProperty("status").GetProperty("before").GetString());
        Assert.Equal("shipped", shipped.GetProperty("changes").GetProperty("status").GetProperty("after").GetString());
        Assert.Equal("SF-AUDIT-1", shipped.GetProperty("changes").GetProperty("trackingNumber").GetProperty("after").GetString());
        // Shoppers' own actions are not admin actions.
        Assert.Empty((await EntriesAsync(admin, "actor=customer:1")).EnumerateArray());

        // Secrets never appear: an admin's password, a key's token, a webhook's secret.
        await app.PostOkAsync("/api/admin/admins", new { userName = "clerk", password = "Pa55-never-logged", roles = new[] { "catalog" } });
        var subscription = await app.PostOkAsync("/api/admin/webhooks/subscriptions", new { name = "erp", url = "http://10.1.2.3/hook", events = new[] { "order.paid" } });
        var created = (await EntriesAsync(admin, "entityType=api-key")).EnumerateArray().Single();
        Assert.Equal(keyId.ToString(), created.GetProperty("entityId").GetString());
        var all = string.Join("\n", await ReadAllAsync(app));
        Assert.DoesNotContain("Pa55-never-logged", all);
        Assert.DoesNotContain(keyToken.Split('.')[1], all);
        Assert.DoesNotContain(subscription.GetProperty("secret").GetString()!, all);
        Assert.Contains("\"password\":\"***\"", all);

        // Time filters, and the log cannot be changed through the API.
        Assert.Empty((await EntriesAsync(admin, $"from={DateTime.UtcNow.AddMinutes(5):O}")).EnumerateArray());
        Assert.True((await EntriesAsync(admin, $"from={DateTime.UtcNow.AddMinutes(-5):O}&to={DateTime.UtcNow.AddMinutes(5):O}")).GetArrayLength() >= 6);
        foreach (var method in new[] { HttpMethod.Post, HttpMethod.Put, HttpMethod.Delete, HttpMethod.Patch })
        {
            using var response = await admin.SendAsync(new HttpRequestMessage(method, Audit) { Content = JsonContent.Create(new { }) });
            // No route writes to the log (the router answers 404 or 405, depending on what else shares the path).
            Assert.Contains(response.StatusCode, new[] { HttpStatusCode.NotFound, HttpStatusCode.MethodNotAllowed });
        }
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Bad_audit_queries_are_problems_and_keys_need_audit_read(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        foreach (var query in new[] { "pageSize=0", "pageSize=101", "page=0", "entityId=3", "from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", "from=yesterday", "actor=" + new string('a', 101) })
            await ApiKeyTests.ProblemAsync(await app.Admin.GetAsync($"{Audit}?{query}"), HttpStatusCode.BadRequest);
        var orders = (await app.PostOkAsync("/api/admin/api-keys", new { name = "orders", scopes = new[] { ApiScopes.OrdersRead } })).GetProperty("token").GetString()!;
        using (var key = ApiKeyTests.KeyClient(app, orders))
            Assert.Equal(ApiScopes.AuditRead, (await ApiKeyTests.ProblemAsync(await key.GetAsync(Audit), HttpStatusCode.Forbidden)).GetProperty("missingScope").GetString());
        var auditor = (await app.PostOkAsync("/api/admin/api-keys", new { name = "auditor", scopes = new[] { ApiScopes.AuditRead } })).GetProperty("token").GetString()!;
        using (var key = ApiKeyTests.KeyClient(app, auditor))
            Assert.Equal(2, (await CatalogApiTests.GetJsonAsync(key, $"{Audit}?entityType=api-key")).GetProperty("total").GetInt64());
        // A catalog admin is not an owner: the log is the owners'.
        await app.PostOkAsync("/api/admin/admins", new { userName = "clerk", password = "clerk-pass-1", roles = new[] { "catalog" } });
        using var clerk = await app.AdminByLoginAsync("clerk", "clerk-pass-1");
        Assert.Equal(HttpStatusCode.Forbidden, (await clerk.GetAsync(Audit)).StatusCode);
    }

    private static async Task<List<string>> ReadAllAsync(MallApp app)
    {
        await using var connection = await app.Services.GetRequiredService<Mall.Data.IMallDatabase>().OpenConnectionAsync();
        var rows = await Dapper.SqlMapper.QueryAsync<(string? Changes, string? Request)>(connection, "SELECT changes, request FROM mall_audit");
        return rows.Select(r => $"{r.Changes} {r.Request}").ToList();
    }
}
