using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mall.Web.Security;

/// <summary>
/// Authenticates admin clients by the shared key in <see cref="MallAdminOptions.ApiKey"/>, sent in the
/// <c>X-Mall-Admin-Key</c> header. Compared in constant time. With no key configured nobody is an admin.
/// </summary>
internal sealed class AdminKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptionsMonitor<MallOptions> mallOptions)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(MallAdminAuthentication.HeaderName, out var values) || values.Count != 1 || string.IsNullOrEmpty(values[0]))
            return Task.FromResult(AuthenticateResult.NoResult());
        var configured = mallOptions.CurrentValue.Admin.ApiKey;
        if (string.IsNullOrEmpty(configured))
            return Task.FromResult(AuthenticateResult.Fail("No admin key is configured (Mall:Admin:ApiKey)."));
        if (!CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(values[0]!)), SHA256.HashData(Encoding.UTF8.GetBytes(configured))))
            return Task.FromResult(AuthenticateResult.Fail("Invalid admin key."));
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.Name, "admin"),
                new Claim(ClaimTypes.Role, MallAdminAuthentication.Role),
                // The key is for automation and operators: it holds every area, like the owner.
                new Claim(ClaimTypes.Role, MallClaims.AdminRolePrefix + Mall.Security.AdminRoles.Owner),
            ], MallAdminAuthentication.Scheme);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), MallAdminAuthentication.Scheme)));
    }
}
