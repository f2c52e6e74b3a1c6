using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Mall.Testing;

namespace Mall.Web.Tests;

/// <summary>A shopper reaches only their own things; anonymous callers reach no account; shoppers are not admins.</summary>
public class AccessTests
{
    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task A_shopper_can_never_read_or_change_another_shoppers_things(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        var (_, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 10, price: 3m);
        using var alice = await app.ShopperAsync("13900000001");
        using var mallory = await app.ShopperAsync("13900000002");
        var address = await ShopperFlowTests.PostOkAsync(alice, "/api/v1/me/addresses", new { receiver = "Alice", phone = "13900000001", regionCode = "110105", detail = "朝阳区 1 号" });
        var addressId = address.GetProperty("id").GetInt64();
        using var orderRequest = ShopperFlowTests.OrderRequest(skuId, 1, "alice-1");
        var order = await (await alice.SendAsync(orderRequest)).Content.ReadFromJsonAsync<JsonElement>();
        var orderId = order.GetProperty("id").GetInt64();

        (HttpMethod Method, string Url, object? Body)[] attempts =
        [
            (HttpMethod.Get, $"/api/v1/orders/{orderId}", null),
            (HttpMethod.Post, $"/api/v1/orders/{orderId}/cancel", new { reason = "mine now" }),
            (HttpMethod.Post, $"/api/v1/orders/{orderId}/confirm-receipt", new { }),
            (HttpMethod.Post, $"/api/v1/orders/{orderId}/dev-pay", new { }),
            (HttpMethod.Put, $"/api/v1/me/addresses/{addressId}", new { receiver = "Mallory", phone = "13900000002", regionCode = "110105", detail = "x" }),
            (HttpMethod.Delete, $"/api/v1/me/addresses/{addressId}", null),
        ];
        foreach (var (method, url, body) in attempts)
        {
            using var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
            var response = await mallory.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {url} answered {(int)response.StatusCode} to another shopper");
        }

        // Mallory's own lists do not show Alice's things, and Alice's are untouched.
        Assert.Equal(0, (await CatalogApiTests.GetJsonAsync(mallory, "/api/v1/orders")).GetProperty("total").GetInt64());
        Assert.Empty((await CatalogApiTests.GetJsonAsync(mallory, "/api/v1/me/addresses")).EnumerateArray());
        var aliceOrder = await CatalogApiTests.GetJsonAsync(alice, $"/api/v1/orders/{orderId}");
        Assert.Equal("pendingPayment", aliceOrder.GetProperty("status").GetString());
        var aliceAddress = Assert.Single((await CatalogApiTests.GetJsonAsync(alice, "/api/v1/me/addresses")).EnumerateArray());
        Assert.Equal("Alice", aliceAddress.GetProperty("receiver").GetString());
        // The idempotency key is per shopper: Mallory's request with Alice's key makes Mallory's own order.
        using var sameKey = ShopperFlowTests.OrderRequest(skuId, 1, "alice-1");
        var malloryOrder = await mallory.SendAsync(sameKey);
        Assert.Equal(HttpStatusCode.Created, malloryOrder.StatusCode);
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Anonymous_callers_and_shoppers_are_turned_away_where_they_do_not_belong(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        using var anonymous = app.NewClient();
        using var shopper = await app.ShopperAsync("13700000001");
        string[] shopperOnly = ["/api/v1/me", "/api/v1/me/addresses", "/api/v1/me/ledger", "/api/v1/orders", "/api/v1/orders/1"];
        foreach (var url in shopperOnly)
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/v1/orders", new { lines = new[] { new { skuId = 1, quantity = 1 } } })).StatusCode);

        string[] adminOnly = ["/api/admin/orders", "/api/admin/catalog/products", "/api/admin/customers/1", "/api/admin/inventory/skus/1"];
        foreach (var url in adminOnly)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(url)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await shopper.GetAsync(url)).StatusCode);
        }

        // Wrong passwords and unknown logins read the same.
        var wrong = await anonymous.PostAsJsonAsync("/api/v1/auth/login", new { login = "13700000001", password = "not-the-password" });
        var unknown = await anonymous.PostAsJsonAsync("/api/v1/auth/login", new { login = "19999999999", password = "whatever-123" });
        var adminWrong = await anonymous.PostAsJsonAsync("/api/admin/auth/login", new { userName = MallApp.AdminUser, password = "guess-guess" });
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, adminWrong.StatusCode);
        Assert.Equal(await wrong.Content.ReadFromJsonAsync<JsonElement>() is var a ? a.GetProperty("detail").GetString() : null,
                     await unknown.Content.ReadFromJsonAsync<JsonElement>() is var b ? b.GetProperty("detail").GetString() : null);
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Admin_roles_open_only_their_own_area_and_only_owners_manage_admins(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        using var owner = await app.AdminByLoginAsync();
        foreach (var (name, roles) in new[] { ("cat", new[] { "catalog" }), ("ord", new[] { "orders" }), ("cus", new[] { "customers" }), ("both", new[] { "catalog", "orders" }) })
        {
            var created = await owner.PostAsJsonAsync("/api/admin/admins", new { userName = name, password = "admin-pass-1", roles });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        var areas = new Dictionary<string, string>
        {
            ["catalog"] = "/api/admin/catalog/products",
            ["inventory"] = "/api/admin/inventory/skus/1/movements",
            ["orders"] = "/api/admin/orders",
            ["customers"] = "/api/admin/customers/1",
            ["admins"] = "/api/admin/admins",
        };
        var expected = new Dictionary<string, string[]>
        {
            ["cat"] = ["catalog", "inventory"],
            ["ord"] = ["orders"],
            ["cus"] = ["customers"],
            ["both"] = ["catalog", "inventory", "orders"],
        };
        var failures = new List<string>();
        foreach (var (name, allowed) in expected)
        {
            using var admin = await app.AdminByLoginAsync(name, "admin-pass-1");
            foreach (var (area, url) in areas)
            {
                var status = (await admin.GetAsync(url)).StatusCode;
                var forbidden = status == HttpStatusCode.Forbidden;
                if (allowed.Contains(area) == forbidden) failures.Add($"{name} on {area} ({url}): {(int)status}");
            }
            var me = await CatalogApiTests.GetJsonAsync(admin, "/api/admin/auth/me");
            Assert.Equal(name, me.GetProperty("userName").GetString());
        }
        // The owner and the admin key reach every area.
        using var keyClient = app.NewClient();
        keyClient.DefaultRequestHeaders.Add("X-Mall-Admin-Key", MallApp.AdminKey);
        foreach (var client in new[] { owner, keyClient })
            foreach (var (area, url) in areas)
                if ((await client.GetAsync(url)).StatusCode == HttpStatusCode.Forbidden) failures.Add($"owner/key forbidden on {area}");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));

        // A non-owner cannot create an admin, not even one with its own role; unknown roles are rejected.
        using var catalogAdmin = await app.AdminByLoginAsync("cat", "admin-pass-1");
        Assert.Equal(HttpStatusCode.Forbidden, (await catalogAdmin.PostAsJsonAsync("/api/admin/admins", new { userName = "x1", password = "admin-pass-1", roles = new[] { "catalog" } })).StatusCode);
        foreach (var body in new object[]
        {
            new { userName = "x2", password = "admin-pass-1", roles = new[] { "superuser" } },
            new { userName = "x3", password = "admin-pass-1", roles = Array.Empty<string>() },
            new { userName = "x4", password = "short", roles = new[] { "orders" } },
        })
        {
            var response = await owner.PostAsJsonAsync("/api/admin/admins", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal(HttpStatusCode.Conflict, (await owner.PostAsJsonAsync("/api/admin/admins", new { userName = "cat", password = "admin-pass-1", roles = new[] { "orders" } })).StatusCode);
        var list = await CatalogApiTests.GetJsonAsync(owner, "/api/admin/admins");
        Assert.Equal(new[] { "both", "cat", "cus", "ord", MallApp.AdminUser }, list.EnumerateArray().Select(a => a.GetProperty("userName").GetString()!).Order(StringComparer.Ordinal).ToArray());
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Bad_account_and_order_input_is_rejected_and_writes_nothing(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        var (_, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 5, price: 1m);
        using var shopper = await app.ShopperAsync("13600000001");
        var draft = await app.PostOkAsync("/api/admin/catalog/products", new
        {
            name = "Draft", categoryId = (await app.PostOkAsync("/api/admin/catalog/categories", new { name = "D" })).GetProperty("id").GetInt64(),
            skus = new[] { new { code = "DRAFT-1", price = 1m, stock = 5 } },
        });
        var draftSku = draft.GetProperty("skus")[0].GetProperty("id").GetInt64();
        var before = await CountsAsync(app);

        (string Name, string Url, string Body, HttpStatusCode Status)[] cases =
        [
            ("register: no phone or email", "/api/v1/auth/register", """{"password":"long-enough-1"}""", HttpStatusCode.BadRequest),
            ("register: short password", "/api/v1/auth/register", """{"phone":"13600000009","password":"short"}""", HttpStatusCode.BadRequest),
            ("register: bad email", "/api/v1/auth/register", """{"email":"not-an-email","password":"long-enough-1"}""", HttpStatusCode.BadRequest),
            ("register: taken phone", "/api/v1/auth/register", """{"phone":"13600000001","password":"long-enough-1"}""", HttpStatusCode.Conflict),
            ("register: malformed JSON", "/api/v1/auth/register", """{"phone":""", HttpStatusCode.BadRequest),
            ("order: no lines", "/api/v1/orders", """{"lines":[]}""", HttpStatusCode.BadRequest),
            ("order: missing lines", "/api/v1/orders", """{}""", HttpStatusCode.BadRequest),
            ("order: zero quantity", "/api/v1/orders", $$"""{"lines":[{"skuId":{{skuId}},"quantity":0}]}""", HttpStatusCode.BadRequest),
            ("order: negative quantity", "/api/v1/orders", $$"""{"lines":[{"skuId":{{skuId}},"quantity":-1}]}""", HttpStatusCode.BadRequest),
            ("order: huge quantity", "/api/v1/orders", $$"""{"lines":[{"skuId":{{skuId}},"quantity":2147483647}]}""", HttpStatusCode.BadRequest),
            ("order: quantity overflow", "/api/v1/orders", $$"""{"lines":[{"skuId":{{skuId}},"quantity":99999999999}]}""", HttpStatusCode.BadRequest),
            ("order: unknown SKU", "/api/v1/orders", """{"lines":[{"skuId":99999999,"quantity":1}]}""", HttpStatusCode.BadRequest),
            ("order: unpublished product", "/api/v1/orders", $$"""{"lines":[{"skuId":{{draftSku}},"quantity":1}]}""", HttpStatusCode.BadRequest),
            ("order: more than in stock", "/api/v1/orders", $$"""{"lines":[{"skuId":{{skuId}},"quantity":6}]}""", HttpStatusCode.Conflict),
            ("order: client price ignored, wrong type rejected", "/api/v1/orders", $$"""{"lines":[{"skuId":"{{skuId}}x","quantity":1}]}""", HttpStatusCode.BadRequest),
            ("order: oversized note", "/api/v1/orders", $$"""{"lines":[{"skuId":{{skuId}},"quantity":1}],"note":"{{new string('n', 501)}}"}""", HttpStatusCode.BadRequest),
            ("order: malformed JSON", "/api/v1/orders", """{"lines":[{"skuId":1,""", HttpStatusCode.BadRequest),
            ("address: bad region", "/api/v1/me/addresses", """{"receiver":"A","phone":"13600000001","regionCode":"Beijing","detail":"x"}""", HttpStatusCode.BadRequest),
            ("address: missing receiver", "/api/v1/me/addresses", """{"phone":"13600000001","regionCode":"110105","detail":"x"}""", HttpStatusCode.BadRequest),
            ("address: oversized detail", "/api/v1/me/addresses", $$"""{"receiver":"A","phone":"13600000001","regionCode":"110105","detail":"{{new string('d', 201)}}"}""", HttpStatusCode.BadRequest),
        ];
        var failures = new List<string>();
        foreach (var (name, url, body, status) in cases)
        {
            var response = await shopper.PostAsync(url, new StringContent(body, Encoding.UTF8, "application/json"));
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != status) failures.Add($"{name}: expected {(int)status}, got {(int)response.StatusCode}: {text}");
            else if (response.Content.Headers.ContentType?.MediaType != "application/problem+json") failures.Add($"{name}: not problem details: {text}");
            if (await CountsAsync(app) != before) failures.Add($"{name}: rows were written");
        }
        // An order with an Idempotency-Key over 100 characters.
        using var longKey = ShopperFlowTests.OrderRequest(skuId, 1, new string('k', 101));
        var keyResponse = await shopper.SendAsync(longKey);
        if (keyResponse.StatusCode != HttpStatusCode.BadRequest) failures.Add($"long idempotency key: got {(int)keyResponse.StatusCode}");

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
        Assert.Equal(5, await ShopperFlowTests.AvailableAsync(app, skuId));
    }

    private static async Task<(long, long, long, long)> CountsAsync(MallApp app) =>
        (await app.CountAsync("mall_customer"), await app.CountAsync("mall_order"), await app.CountAsync("mall_customer_address"), await app.CountAsync("mall_stock_reservation"));
}

/// <summary>A plugin-style login provider: accepts codes starting with "ok-" and vouches for "openid-{rest}".</summary>
internal sealed class TestCodeLogin : Mall.Customers.IExternalLoginProvider
{
    public string Name => "test-code";

    public Task<Mall.Customers.ExternalIdentity?> AuthenticateAsync(JsonElement payload, CancellationToken cancellationToken) =>
        Task.FromResult(payload.TryGetProperty("code", out var code) && code.GetString() is { } value && value.StartsWith("ok-", StringComparison.Ordinal)
            ? new Mall.Customers.ExternalIdentity("openid-" + value[3..], "小程序用户")
            : null);
}

public class ExternalLoginTests
{
    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task A_registered_login_provider_logs_shoppers_in_and_links_them_once(string provider)
    {
        await using var app = await MallApp.StartAsync(provider, s => Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton<Mall.Customers.IExternalLoginProvider, TestCodeLogin>(s));
        using var client = app.NewClient();

        async Task<long> LoginAsync(string code)
        {
            var response = await client.PostAsJsonAsync("/api/v1/auth/login/test-code", new { code });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
            using var me = new HttpRequestMessage(HttpMethod.Get, "/api/v1/me");
            me.Headers.Authorization = new("Bearer", token);
            return (await (await client.SendAsync(me)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        }

        var first = await LoginAsync("ok-abc");
        Assert.Equal(first, await LoginAsync("ok-abc"));
        Assert.NotEqual(first, await LoginAsync("ok-xyz"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/api/v1/auth/login/test-code", new { code = "bad" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync("/api/v1/auth/login/nope", new { code = "ok-1" })).StatusCode);
        Assert.Equal(2, await app.CountAsync("mall_customer"));
    }
}
