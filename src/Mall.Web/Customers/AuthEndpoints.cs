using Mall.Web.RateLimiting;
using System.Security.Claims;
using System.Text.Json;
using Mall.Carts;
using Mall.Common;
using Mall.Customers;
using Mall.Security;
using Mall.Web.Security;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Mall.Web.Customers;

/// <summary>Registration and login for shoppers (password or an external provider) and admins. Logins answer with a bearer token.</summary>
internal static class AuthEndpoints
{
    public static void MapShopperAuth(this RouteGroupBuilder group)
    {
        var auth = group.MapGroup("/auth").WithTags("Storefront: account");
        // Sign-in and registration also count against the stricter per-IP sign-in limit.
        var signIn = auth.MapGroup("").WithSignInRateLimit();

        signIn.MapPost("/register", async (RegisterCustomerInput input, ICustomerService customers, CancellationToken ct) =>
            TypedResults.Created($"{MallRoutes.StorefrontV1}/me", await customers.RegisterAsync(input, ct)));

        signIn.MapPost("/login", async Task<Results<SignInHttpResult, ProblemHttpResult>> (LoginRequest body, HttpContext http, ICustomerService customers, ICartService carts, CancellationToken ct) =>
        {
            var customer = await customers.VerifyPasswordAsync(body.Login ?? "", body.Password ?? "", ct);
            if (customer is null) return InvalidCredentials();
            await MergeSessionCartAsync(http, carts, customer.Id, ct);
            return TypedResults.SignIn(MallClaims.ForCustomer(customer), authenticationScheme: MallClaims.BearerScheme);
        }).Produces<AccessTokenResponse>();

        auth.MapRefresh("/refresh");

        signIn.MapPost("/login/{provider}", async Task<Results<SignInHttpResult, ProblemHttpResult>> (
            string provider, JsonElement body, HttpContext http, IEnumerable<IExternalLoginProvider> providers, ICustomerService customers, ICartService carts, CancellationToken ct) =>
        {
            var login = providers.FirstOrDefault(p => string.Equals(p.Name, provider, StringComparison.OrdinalIgnoreCase))
                ?? throw new MallNotFoundException($"There is no login provider named '{provider}'.");
            var identity = await login.AuthenticateAsync(body, ct);
            if (identity is null) return InvalidCredentials();
            var customer = await customers.LoginExternalAsync(login.Name, identity, ct);
            await MergeSessionCartAsync(http, carts, customer.Id, ct);
            return TypedResults.SignIn(MallClaims.ForCustomer(customer), authenticationScheme: MallClaims.BearerScheme);
        }).Produces<AccessTokenResponse>();
    }

    /// <summary>
    /// <c>POST {prefix}/refresh</c>: a new token pair for a refresh token that is valid, unexpired and whose account
    /// still exists (a deleted shopper or admin cannot refresh).
    /// </summary>
    private static RouteHandlerBuilder MapRefresh(this IEndpointRouteBuilder endpoints, string pattern) =>
        endpoints.MapPost(pattern, async Task<Results<SignInHttpResult, ProblemHttpResult>> (
            RefreshRequest body, IOptionsMonitor<BearerTokenOptions> bearer, TimeProvider clock, ICustomerService customers, IAdminAccountService admins, CancellationToken ct) =>
        {
            var ticket = string.IsNullOrEmpty(body.RefreshToken) ? null : bearer.Get(MallClaims.BearerScheme).RefreshTokenProtector.Unprotect(body.RefreshToken);
            if (ticket?.Properties.ExpiresUtc is not { } expires || expires < clock.GetUtcNow()) return InvalidRefresh();
            var principal = ticket.Principal;
            if (principal.IsInRole(MallClaims.ShopperRole))
            {
                var customer = await customers.FindAsync(principal.CustomerId(), ct);
                return customer is null ? InvalidRefresh() : TypedResults.SignIn(MallClaims.ForCustomer(customer), authenticationScheme: MallClaims.BearerScheme);
            }
            if (principal.IsInRole(MallAdminAuthentication.Role) && long.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var adminId))
            {
                var admin = await admins.FindAsync(adminId, ct);
                return admin is null ? InvalidRefresh() : TypedResults.SignIn(MallClaims.ForAdmin(admin), authenticationScheme: MallClaims.BearerScheme);
            }
            return InvalidRefresh();
        }).Produces<AccessTokenResponse>();

    private static ProblemHttpResult InvalidRefresh() =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Refresh failed", detail: "The refresh token is not valid or has expired; log in again.");

    public static void MapAdminAuth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapRefresh($"{MallRoutes.Admin}/auth/refresh")
            .AddEndpointFilter<Hosting.MallProblemEndpointFilter>()
            .AllowAnonymous()
            .WithTags("Admin: account");
        endpoints.MapGroup("").WithSignInRateLimit().MapPost($"{MallRoutes.Admin}/auth/login", async Task<Results<SignInHttpResult, ProblemHttpResult>> (AdminLoginRequest body, IAdminAccountService admins, CancellationToken ct) =>
            {
                var admin = await admins.VerifyPasswordAsync(body.UserName ?? "", body.Password ?? "", ct);
                return admin is null ? InvalidCredentials() : TypedResults.SignIn(MallClaims.ForAdmin(admin), authenticationScheme: MallClaims.BearerScheme);
            })
            .Produces<AccessTokenResponse>()
            .AddEndpointFilter<Hosting.MallProblemEndpointFilter>()
            .AllowAnonymous()
            .WithTags("Admin: account");
    }

    /// <summary>At login, an anonymous cart named by the request moves into the shopper's cart.</summary>
    private static async Task MergeSessionCartAsync(HttpContext http, ICartService carts, long customerId, CancellationToken ct)
    {
        if (http.Request.Headers.TryGetValue(Carts.CartEndpoints.SessionHeader, out var token) && token.Count == 1 && !string.IsNullOrEmpty(token[0]))
            await carts.MergeAsync(CartOwner.Session(token[0]!), customerId, ct);
    }

    private static ProblemHttpResult InvalidCredentials() =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Login failed", detail: "The login or the password is wrong.");
}

/// <summary>Password login of a shopper.</summary>
/// <param name="Login">Phone number or e-mail address.</param>
/// <param name="Password">Password.</param>
internal sealed record LoginRequest(string? Login, string? Password);

/// <summary>A refresh token from a login answer.</summary>
/// <param name="RefreshToken">The <c>refreshToken</c> of the login (or the last refresh) answer.</param>
internal sealed record RefreshRequest(string? RefreshToken);

/// <summary>Password login of an admin.</summary>
/// <param name="UserName">User name.</param>
/// <param name="Password">Password.</param>
internal sealed record AdminLoginRequest(string? UserName, string? Password);
