using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Mall.Web.Security;

/// <summary>
/// Keeps the tickets of recently seen bearer tokens, so that a token is decrypted once rather than on every request:
/// reading one costs a key derivation, a MAC and a decryption (about a twentieth of a checkout's CPU), and a shopper's
/// app sends the same token with each request for its whole lifetime.
/// </summary>
/// <remarks>
/// Only tokens that decrypted to an unexpired ticket are kept, for <see cref="MaxAge"/> at most (so that a revoked
/// Data Protection key stops its tokens within minutes on every node) and never past the token's expiry, at most
/// <see cref="Capacity"/> of them. Each request gets its own copy of the ticket (claims transformations may change the
/// principal they are given).
/// </remarks>
internal sealed class BearerTicketCache : IDisposable
{
    /// <summary>Tickets kept at most; at the limit a quarter is dropped, least recently used first.</summary>
    public const int Capacity = 20_000;

    /// <summary>How long a ticket is kept after its token was decrypted.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    // Longer strings are not Mall's tokens; they are decrypted (and refused) without being kept.
    private const int MaxTokenLength = 8 * 1024;

    private readonly MemoryCache _tickets = new(new MemoryCacheOptions { SizeLimit = Capacity, CompactionPercentage = 0.25 });
    private readonly TimeProvider _clock;

    public BearerTicketCache(TimeProvider clock) => _clock = clock;

    /// <summary>The ticket of <paramref name="token"/>, read by <paramref name="inner"/> unless already known.</summary>
    public AuthenticationTicket? Unprotect(ISecureDataFormat<AuthenticationTicket> inner, string? token, string? purpose)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength) return inner.Unprotect(token, purpose);
        var key = new Key(token, purpose);
        var now = _clock.GetUtcNow();
        AuthenticationTicket? ticket;
        // The cache's own expiry only frees memory; whether a ticket may still be used is decided on Mall's clock.
        if (_tickets.TryGetValue(key, out Kept? kept) && now < kept!.Until)
        {
            ticket = kept.Ticket;
        }
        else
        {
            ticket = inner.Unprotect(token, purpose);
            if (ticket?.Properties.ExpiresUtc is { } expires && expires > now)
            {
                var until = expires < now + MaxAge ? expires : now + MaxAge;
                _tickets.Set(key, new Kept(ticket, until), new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = until - now, Size = 1 });
            }
        }
        return ticket is null ? null : Copy(ticket);
    }

    // ClaimsPrincipal.Clone shares the identities (and so their claims); each is copied.
    private static AuthenticationTicket Copy(AuthenticationTicket ticket) =>
        new(new ClaimsPrincipal(ticket.Principal.Identities.Select(i => i.Clone())), ticket.Properties.Clone(), ticket.AuthenticationScheme);

    public void Dispose() => _tickets.Dispose();

    private readonly record struct Key(string Token, string? Purpose);

    private sealed record Kept(AuthenticationTicket Ticket, DateTimeOffset Until);

    /// <summary>Puts the cache in front of the access-token reader of Mall's bearer scheme (refresh tokens are not cached).</summary>
    internal sealed class Installer(BearerTicketCache cache) : IPostConfigureOptions<BearerTokenOptions>
    {
        public void PostConfigure(string? name, BearerTokenOptions options)
        {
            // Options are built afresh for each name, so the reader wrapped here is always the framework's own.
            if (name == MallClaims.BearerScheme) options.BearerTokenProtector = new CachingFormat(options.BearerTokenProtector, cache);
        }
    }

    internal sealed class CachingFormat(ISecureDataFormat<AuthenticationTicket> inner, BearerTicketCache cache) : ISecureDataFormat<AuthenticationTicket>
    {
        public string Protect(AuthenticationTicket data) => inner.Protect(data);

        public string Protect(AuthenticationTicket data, string? purpose) => inner.Protect(data, purpose);

        public AuthenticationTicket? Unprotect(string? protectedText) => cache.Unprotect(inner, protectedText, null);

        public AuthenticationTicket? Unprotect(string? protectedText, string? purpose) => cache.Unprotect(inner, protectedText, purpose);
    }
}
