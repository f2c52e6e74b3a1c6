using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mall.Testing;

namespace Mall.Web.Tests;

public class RefreshTests
{
    [Fact]
    public async Task Refresh_tokens_give_shoppers_and_admins_new_tokens_and_nothing_else_does()
    {
        await using var app = await MallApp.StartAsync(TestDatabase.Providers[0]);
        using var client = app.NewClient();
        (await client.PostAsJsonAsync("/api/v1/auth/register", new { email = "r@example.com", password = "secret-pass-1" })).EnsureSuccessStatusCode();
        var login = await (await client.PostAsJsonAsync("/api/v1/auth/login", new { login = "r@example.com", password = "secret-pass-1" })).Content.ReadFromJsonAsync<JsonElement>();

        var refreshed = await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = login.GetProperty("refreshToken").GetString() });
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        var token = (await refreshed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        using var me = new HttpRequestMessage(HttpMethod.Get, "/api/v1/me");
        me.Headers.Authorization = new("Bearer", token);
        Assert.Equal("r@example.com", (await (await client.SendAsync(me)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("email").GetString());

        // An access token is not a refresh token, and garbage is refused.
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = login.GetProperty("accessToken").GetString() })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = "garbage" })).StatusCode);

        var adminLogin = await (await client.PostAsJsonAsync("/api/admin/auth/login", new { userName = MallApp.AdminUser, password = MallApp.AdminPassword })).Content.ReadFromJsonAsync<JsonElement>();
        var adminRefresh = await (await client.PostAsJsonAsync("/api/admin/auth/refresh", new { refreshToken = adminLogin.GetProperty("refreshToken").GetString() })).Content.ReadFromJsonAsync<JsonElement>();
        using var orders = new HttpRequestMessage(HttpMethod.Get, "/api/admin/orders");
        orders.Headers.Authorization = new("Bearer", adminRefresh.GetProperty("accessToken").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(orders)).StatusCode);
    }
}
