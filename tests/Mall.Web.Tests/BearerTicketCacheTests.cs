using System.Net;
using System.Security.Claims;
using Mall.Testing;
using Mall.Web.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Mall.Web.Tests;

public class BearerTicketCacheTests
{
    [Fact]
    public void A_token_is_decrypted_once_and_every_caller_gets_its_own_principal()
    {
        var inner = new CountingFormat();
        using var cache = new BearerTicketCache(TimeProvider.System);
        var token = inner.Protect(Ticket("42", DateTimeOffset.UtcNow.AddHours(1)));

        var first = cache.Unprotect(inner, token, null)!;
        var second = cache.Unprotect(inner, token, null)!;

        Assert.Equal(1, inner.Reads);
        Assert.Equal("42", first.Principal.FindFirstValue(ClaimTypes.NameIdentifier));
        Assert.Equal("42", second.Principal.FindFirstValue(ClaimTypes.NameIdentifier));
        // A claims transformation on one request must not reach the next.
        ((ClaimsIdentity)first.Principal.Identity!).AddClaim(new Claim("added", "by one request"));
        first.Properties.Items["changed"] = "by one request";
        var third = cache.Unprotect(inner, token, null)!;
        Assert.False(third.Principal.HasClaim("added", "by one request"));
        Assert.False(third.Properties.Items.ContainsKey("changed"));
        Assert.Equal(1, inner.Reads);
    }

    [Fact]
    public void Expired_tickets_garbage_and_other_purposes_are_not_served_from_the_cache()
    {
        var inner = new CountingFormat();
        using var cache = new BearerTicketCache(TimeProvider.System);
        var expired = inner.Protect(Ticket("1", DateTimeOffset.UtcNow.AddMinutes(-1)));
        var valid = inner.Protect(Ticket("2", DateTimeOffset.UtcNow.AddHours(1)));

        // Expired: read each time (and handed back, for the handler to refuse by its expiry).
        Assert.NotNull(cache.Unprotect(inner, expired, null));
        Assert.NotNull(cache.Unprotect(inner, expired, null));
        Assert.Equal(2, inner.Reads);
        Assert.Null(cache.Unprotect(inner, "garbage", null));
        Assert.Null(cache.Unprotect(inner, "garbage", null));
        Assert.Equal(4, inner.Reads);
        Assert.Null(cache.Unprotect(inner, valid[..^2] + (valid[^2] == 'A' ? "B" : "A") + valid[^1], null));
        Assert.Equal(5, inner.Reads);
        // A token kept for one purpose is read again for another.
        Assert.NotNull(cache.Unprotect(inner, valid, null));
        Assert.Null(cache.Unprotect(inner, valid, "another purpose"));
        Assert.Equal(7, inner.Reads);
    }

    [Fact]
    public void A_ticket_is_read_again_after_five_minutes_and_never_used_past_its_expiry()
    {
        var inner = new CountingFormat();
        var clock = new ManualClock { Now = DateTimeOffset.UtcNow };
        using var cache = new BearerTicketCache(clock);
        var longLived = inner.Protect(Ticket("1", clock.Now.AddHours(2)));
        var shortLived = inner.Protect(Ticket("2", clock.Now.AddMinutes(1)));

        cache.Unprotect(inner, longLived, null);
        cache.Unprotect(inner, shortLived, null);
        clock.Now += TimeSpan.FromSeconds(50);
        cache.Unprotect(inner, longLived, null);
        cache.Unprotect(inner, shortLived, null);
        Assert.Equal(2, inner.Reads);

        // Past the short token's expiry: read again (and, expired, not kept).
        clock.Now += TimeSpan.FromSeconds(20);
        cache.Unprotect(inner, shortLived, null);
        cache.Unprotect(inner, shortLived, null);
        Assert.Equal(4, inner.Reads);
        // Past the five minutes: the long-lived token is decrypted again, then kept again.
        clock.Now += BearerTicketCache.MaxAge;
        cache.Unprotect(inner, longLived, null);
        cache.Unprotect(inner, longLived, null);
        Assert.Equal(5, inner.Reads);
    }

    [Fact]
    public async Task A_shoppers_token_keeps_working_and_a_tampered_copy_is_refused()
    {
        await using var app = await MallApp.StartAsync(TestDatabase.Providers[0]);
        using var shopper = await app.ShopperAsync("13900000077");
        var token = shopper.DefaultRequestHeaders.Authorization!.Parameter!;
        var bearer = app.Services.GetRequiredService<IOptionsMonitor<BearerTokenOptions>>().Get(MallClaims.BearerScheme);
        Assert.IsType<BearerTicketCache.CachingFormat>(bearer.BearerTokenProtector);
        Assert.IsNotType<BearerTicketCache.CachingFormat>(bearer.RefreshTokenProtector);

        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, (await shopper.GetAsync("/api/v1/me")).StatusCode);
        using var tampered = app.NewClient();
        tampered.DefaultRequestHeaders.Authorization = new("Bearer", token[..^3] + (token[^3] == 'x' ? "y" : "x") + token[^2..]);
        Assert.Equal(HttpStatusCode.Unauthorized, (await tampered.GetAsync("/api/v1/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await shopper.GetAsync("/api/v1/me")).StatusCode);
    }

    private static AuthenticationTicket Ticket(string id, DateTimeOffset expires) =>
        new(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, id)], "test")), new AuthenticationProperties { ExpiresUtc = expires }, "test");

    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }

    /// <summary>The real ticket format over ephemeral keys, counting how often a token is actually read.</summary>
    private sealed class CountingFormat : ISecureDataFormat<AuthenticationTicket>
    {
        private readonly TicketDataFormat _inner = new(new EphemeralDataProtectionProvider().CreateProtector("bearer-cache-tests"));

        public int Reads { get; private set; }

        public string Protect(AuthenticationTicket data) => _inner.Protect(data);

        public string Protect(AuthenticationTicket data, string? purpose) => _inner.Protect(data, purpose);

        public AuthenticationTicket? Unprotect(string? protectedText) => Unprotect(protectedText, null);

        public AuthenticationTicket? Unprotect(string? protectedText, string? purpose)
        {
            Reads++;
            return _inner.Unprotect(protectedText, purpose);
        }
    }
}
