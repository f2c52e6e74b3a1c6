using System.Security.Claims;
using Mall.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Mall.Web.Security;

/// <summary>Admin identities (<c>/api/admin/admins</c>): owners create admins and give them roles.</summary>
internal static class AdminAccountEndpoints
{
    public static void MapAdminAccounts(this RouteGroupBuilder group)
    {
        var admins = group.MapGroup("/admins").WithTags("Admin: admins");
        admins.MapGet("/", (IAdminAccountService accounts, CancellationToken ct) => accounts.ListAsync(ct))
            .WithSummary("Lists every admin with its roles.");
        admins.MapPost("/", async (CreateAdminRequest body, IAdminAccountService accounts, CancellationToken ct) =>
            {
                var admin = await accounts.CreateAsync(body.UserName ?? "", body.Password ?? "", body.Roles ?? [], ct);
                return TypedResults.Created($"{MallRoutes.Admin}/admins/{admin.Id}", admin);
            })
            .WithSummary("Creates an admin with roles from: owner, catalog, orders, customers.");
        admins.MapGet("/roles", () => AdminRoles.All).WithSummary("The known admin roles.");
    }

    /// <summary>Open to every admin, whatever its roles.</summary>
    public static void MapAdminSelf(this RouteGroupBuilder group)
    {
        group.MapGet("/auth/me", (ClaimsPrincipal user) => new AdminIdentity(user.Identity?.Name ?? "",
                AdminRoles.All.Where(r => user.IsInRole(MallClaims.AdminRolePrefix + r)).ToList()))
            .WithTags("Admin: account")
            .WithSummary("Who the caller is and which roles it holds.");
    }
}

/// <summary>A new admin.</summary>
/// <param name="UserName">Login name, 1–50 characters.</param>
/// <param name="Password">Password, 8–100 characters.</param>
/// <param name="Roles">One or more of <c>owner</c>, <c>catalog</c>, <c>orders</c>, <c>customers</c>.</param>
internal sealed record CreateAdminRequest(string? UserName, string? Password, IReadOnlyList<string>? Roles);

/// <summary>The calling admin.</summary>
/// <param name="UserName">Login name (<c>admin</c> for the admin key).</param>
/// <param name="Roles">Roles held.</param>
internal sealed record AdminIdentity(string UserName, IReadOnlyList<string> Roles);
