using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Mall.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mall.Web.Security;

/// <summary>
/// Authenticates integrations by an API key (<see cref="IApiKeyService"/>) sent in <c>X-Mall-Api-Key</c>. The
/// principal is an admin of no role, holding the key's scopes as <see cref="ScopeClaim"/> claims; the admin areas
/// check those (<see cref="AdminAreaAuthorization"/>).
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions, ILoggerFactory logger, UrlEncoder encoder, IApiKeyService keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, logger, encoder)
{
    /// <summary>The header carrying the key.</summary>
    public const string HeaderName = "X-Mall-Api-Key";

    /// <summary>Claim type of each scope a key holds.</summary>
    public const string ScopeClaim = "mall:scope";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(HeaderName, out var values) || values.Count != 1 || string.IsNullOrEmpty(values[0]))
            return AuthenticateResult.NoResult();
        var key = await keys.AuthenticateAsync(values[0]!, Context.Connection.RemoteIpAddress, Context.RequestAborted);
        if (key is null) return AuthenticateResult.Fail("Unknown, revoked or expired API key, or not allowed from this address.");
        var claims = new List<Claim>(key.Scopes.Count + 4)
        {
            new(ClaimTypes.NameIdentifier, key.Id.ToString(CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, key.Name),
            new(ClaimTypes.Role, MallAdminAuthentication.Role),
        };
        claims.AddRange(key.Scopes.Select(s => new Claim(ScopeClaim, s)));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, MallClaims.ApiKeyScheme)), MallClaims.ApiKeyScheme));
    }
}
