using Mall.Promotions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Mall.Web.Promotions;

/// <summary>Promotion rules (<c>/api/admin/promotions</c>).</summary>
internal static class PromotionAdminEndpoints
{
    public static void MapPromotionAdmin(this RouteGroupBuilder group)
    {
        var promotions = group.MapGroup("/promotions").WithTags("Admin: promotions");
        promotions.MapGet("/", (IPromotionService s, CancellationToken ct) => s.ListAsync(ct)).WithSummary("Active promotion rules.");
        promotions.MapPost("/", async (PromotionRule rule, IPromotionService s, CancellationToken ct) =>
        {
            var created = await s.CreateAsync(rule, ct);
            return TypedResults.Created($"{MallRoutes.Admin}/promotions/{created.Id}", created);
        }).WithSummary("Creates a rule: scope, thresholds, benefit, window, per-shopper limit, priority, exclusivity group, stackable.");
        promotions.MapPost("/preview", (PromotionPreviewRequest request, IPromotionService s, CancellationToken ct) => s.PreviewAsync(request, ct))
            .WithSummary("Quotes a sample cart with the active rules and a draft rule (new, or in place of the rule with its id): what applies, what does not and why. Writes nothing.");
        promotions.MapPut("/{id:long}", (long id, PromotionRule rule, IPromotionService s, CancellationToken ct) => s.UpdateAsync(id, rule, ct));
        promotions.MapDelete("/{id:long}", async (long id, IPromotionService s, CancellationToken ct) =>
        {
            await s.DeleteAsync(id, ct);
            return TypedResults.NoContent();
        });
    }
}
