using System.Security.Claims;
using Mall.Common;
using Mall.Customers;
using Mall.Web.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Mall.Web.Customers;

/// <summary>The shopper's own account (<c>/api/v1/me</c>) and the admin's view of customers.</summary>
internal static class CustomerEndpoints
{
    public static void MapShopperAccount(this RouteGroupBuilder group)
    {
        var me = group.MapGroup("/me").RequireAuthorization(MallClaims.ShopperPolicy).WithTags("Storefront: account");

        me.MapGet("/", async (ClaimsPrincipal user, ICustomerService customers, CancellationToken ct) =>
            await customers.FindAsync(user.CustomerId(), ct) ?? throw new MallNotFoundException("Your account does not exist any more."));
        me.MapGet("/ledger", (int? page, int? pageSize, ClaimsPrincipal user, ICustomerService customers, CancellationToken ct) =>
            customers.GetLedgerAsync(user.CustomerId(), page ?? 1, pageSize ?? 20, ct));

        var addresses = me.MapGroup("/addresses");
        addresses.MapGet("/", (ClaimsPrincipal user, ICustomerService customers, CancellationToken ct) => customers.ListAddressesAsync(user.CustomerId(), ct));
        addresses.MapPost("/", async (CustomerAddressInput input, ClaimsPrincipal user, ICustomerService customers, CancellationToken ct) =>
        {
            var address = await customers.AddAddressAsync(user.CustomerId(), input, ct);
            return TypedResults.Created($"{MallRoutes.StorefrontV1}/me/addresses/{address.Id}", address);
        });
        addresses.MapPut("/{id:long}", (long id, CustomerAddressInput input, ClaimsPrincipal user, ICustomerService customers, CancellationToken ct) =>
            customers.UpdateAddressAsync(user.CustomerId(), id, input, ct));
        addresses.MapDelete("/{id:long}", async (long id, ClaimsPrincipal user, ICustomerService customers, CancellationToken ct) =>
        {
            await customers.DeleteAddressAsync(user.CustomerId(), id, ct);
            return TypedResults.NoContent();
        });
    }

    public static void MapCustomerAdmin(this RouteGroupBuilder group)
    {
        var customers = group.MapGroup("/customers").WithTags("Admin: customers");
        customers.MapGet("/", (string? search, int? memberLevel, int? page, int? pageSize, ICustomerService s, CancellationToken ct) =>
            s.ListAsync(new CustomerQuery { Search = search, MemberLevel = memberLevel, Page = page ?? 1, PageSize = pageSize ?? 20 }, ct))
            .WithSummary("Shoppers, newest first; search matches the start of a phone number or e-mail, or part of a nickname.");
        customers.MapGet("/{id:long}", async (long id, ICustomerService s, CancellationToken ct) =>
            await s.FindAsync(id, ct) ?? throw new MallNotFoundException($"Customer {id} does not exist."));
        customers.MapGet("/{id:long}/ledger", (long id, int? page, int? pageSize, ICustomerService s, CancellationToken ct) =>
            s.GetLedgerAsync(id, page ?? 1, pageSize ?? 20, ct));
        customers.MapGet("/{id:long}/addresses", async (long id, ICustomerService s, CancellationToken ct) =>
        {
            _ = await s.FindAsync(id, ct) ?? throw new MallNotFoundException($"Customer {id} does not exist.");
            return await s.ListAddressesAsync(id, ct);
        }).WithSummary("A shopper's addresses, default first.");
        customers.MapPost("/{id:long}/assets", (long id, CustomerAssetChange change, ICustomerService s, CancellationToken ct) =>
            s.ChangeAssetAsync(id, change, ct));
    }
}
