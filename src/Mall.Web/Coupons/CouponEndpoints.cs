using System.Security.Claims;
using Mall.Common;
using Mall.Coupons;
using Mall.Web.Hosting;
using Mall.Web.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Mall.Web.Coupons;

/// <summary>
/// Coupons: shoppers list what they can claim (<c>/api/v1/coupons</c>), claim, and see their own
/// (<c>/api/v1/me/coupons</c>); the merchant manages templates, grants and voids (<c>/api/admin/coupons</c>).
/// </summary>
internal static class CouponEndpoints
{
    public static void MapShopperCoupons(this RouteGroupBuilder group)
    {
        var coupons = group.MapGroup("/coupons").WithTags("Storefront: coupons");
        coupons.MapGet("/", (ICouponService s, CancellationToken ct) => s.ListTemplatesAsync(claimableNow: true, ct))
            .WithSummary("Coupon templates shoppers can claim now.");
        coupons.MapPost("/{templateId:long}/claim", async (long templateId, ClaimsPrincipal user, ICouponService s, CancellationToken ct) =>
            {
                var coupon = await s.ClaimAsync(templateId, user.CustomerId(), ct);
                return TypedResults.Created($"{MallRoutes.StorefrontV1}/me/coupons/{coupon.Id}", coupon);
            })
            .RequireAuthorization(MallClaims.ShopperPolicy)
            .WithSummary("Claims one coupon (409 coupon.sold_out, coupon.limit_reached or coupon.not_claimable when it cannot).");

        var mine = group.MapGroup("/me/coupons").RequireAuthorization(MallClaims.ShopperPolicy).WithTags("Storefront: coupons");
        mine.MapGet("/", (string? status, int? page, int? pageSize, ClaimsPrincipal user, ICouponService s, CancellationToken ct) =>
                s.ListAsync(new CouponQuery { CustomerId = user.CustomerId(), Status = ParseStatus(status), Page = page ?? 1, PageSize = pageSize ?? 20 }, ct))
            .WithSummary("The shopper's coupons (status: available, used, voided, expired).");
        mine.MapGet("/{id:long}", async (long id, ClaimsPrincipal user, ICouponService s, CancellationToken ct) =>
            await s.FindAsync(id, user.CustomerId(), ct) ?? throw new MallNotFoundException($"Coupon {id} does not exist."));
    }

    public static void MapCouponAdmin(this RouteGroupBuilder group)
    {
        var coupons = group.MapGroup("/coupons").WithTags("Admin: coupons");
        coupons.MapGet("/templates", (ICouponService s, CancellationToken ct) => s.ListTemplatesAsync(claimableNow: false, ct));
        coupons.MapGet("/templates/{id:long}", async (long id, ICouponService s, CancellationToken ct) =>
            await s.FindTemplateAsync(id, ct) ?? throw new MallNotFoundException($"Coupon template {id} does not exist."));
        coupons.MapPost("/templates", async (CouponTemplate template, ICouponService s, CancellationToken ct) =>
        {
            var created = await s.CreateTemplateAsync(template, ct);
            return TypedResults.Created($"{MallRoutes.Admin}/coupons/templates/{created.Id}", created);
        }).WithSummary("Creates a template: kind (fullReduction, discount, noThreshold), scope, threshold, value, cap, total, per-shopper limit, validity.");
        coupons.MapPut("/templates/{id:long}", (long id, CouponTemplateChange change, ICouponService s, CancellationToken ct) => s.UpdateTemplateAsync(id, change, ct))
            .WithSummary("Renames, resizes, opens or closes a template (its terms are fixed once created).");
        coupons.MapPost("/templates/{id:long}/grants", (long id, GrantCouponsBody body, ICouponService s, CancellationToken ct) =>
                s.GrantAsync(id, body?.CustomerIds ?? [], ct))
            .WithSummary("Grants one coupon to each shopper listed (all or none; 409 coupon.sold_out beyond the total).");
        coupons.MapGet("/", (long? templateId, long? customerId, string? status, int? page, int? pageSize, ICouponService s, CancellationToken ct) =>
            s.ListAsync(new CouponQuery { TemplateId = templateId, CustomerId = customerId, Status = ParseStatus(status), Page = page ?? 1, PageSize = pageSize ?? 20 }, ct));
        coupons.MapPost("/{id:long}/void", (long id, ICouponService s, CancellationToken ct) => s.VoidAsync(id, ct))
            .WithSummary("Withdraws an unused coupon (409 coupon.in_use when bound to an order).");
    }

    private static CouponStatus? ParseStatus(string? status) => QueryValues.ParseOptionalEnum<CouponStatus>("status", status);
}

/// <summary>Body of a grant.</summary>
/// <param name="CustomerIds">Shoppers to receive one coupon each (1–1000).</param>
internal sealed record GrantCouponsBody(IReadOnlyList<long>? CustomerIds);
