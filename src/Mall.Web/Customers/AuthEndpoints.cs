using System.Text.Json;
using Mall.Carts;
using Mall.Common;
using Mall.Customers;
using Mall.Security;
using Mall.Web.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Mall.Web.Customers;

/// <summary>Registration and login for shoppers (password or an external provider) and admins. Logins answer with a bearer token.</summary>
internal static class AuthEndpoints
{
    public static void MapShopperAuth(this RouteGroupBuilder group)
    {
        var auth = group.MapGroup("/auth").WithTags("Storefront: account");

        auth.MapPost("/register", async (RegisterCustomerInput input, ICustomerService customers, CancellationToken ct) =>
            TypedResults.Created($"{MallRoutes.StorefrontV1}/me", await customers.RegisterAsync(input, ct)));

        auth.MapPost("/login", async Task<Results<SignInHttpResult, ProblemHttpResult>> (LoginRequest body, HttpContext http, ICustomerService customers, ICartService carts, CancellationToken ct) =>
        {
            var customer = await customers.VerifyPasswordAsync(body.Login ?? "", body.Password ?? "", ct);
            if (customer is null) return InvalidCredentials();
            await MergeSessionCartAsync(http, carts, customer.Id, ct);
            return TypedResults.SignIn(MallClaims.ForCustomer(customer), authenticationScheme: MallClaims.BearerScheme);
        });

        auth.MapPost("/login/{provider}", async Task<Results<SignInHttpResult, ProblemHttpResult>> (
            string provider, JsonElement body, HttpContext http, IEnumerable<IExternalLoginProvider> providers, ICustomerService customers, ICartService carts, CancellationToken ct) =>
        {
            var login = providers.FirstOrDefault(p => string.Equals(p.Name, provider, StringComparison.OrdinalIgnoreCase))
                ?? throw new MallNotFoundException($"There is no login provider named '{provider}'.");
            var identity = await login.AuthenticateAsync(body, ct);
            if (identity is null) return InvalidCredentials();
            var customer = await customers.LoginExternalAsync(login.Name, identity, ct);
            await MergeSessionCartAsync(http, carts, customer.Id, ct);
            return TypedResults.SignIn(MallClaims.ForCustomer(customer), authenticationScheme: MallClaims.BearerScheme);
        });
    }

    public static void MapAdminAuth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost($"{MallRoutes.Admin}/auth/login", async Task<Results<SignInHttpResult, ProblemHttpResult>> (AdminLoginRequest body, IAdminAccountService admins, CancellationToken ct) =>
            {
                var admin = await admins.VerifyPasswordAsync(body.UserName ?? "", body.Password ?? "", ct);
                return admin is null ? InvalidCredentials() : TypedResults.SignIn(MallClaims.ForAdmin(admin), authenticationScheme: MallClaims.BearerScheme);
            })
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

/// <summary>Password login of an admin.</summary>
/// <param name="UserName">User name.</param>
/// <param name="Password">Password.</param>
internal sealed record AdminLoginRequest(string? UserName, string? Password);
