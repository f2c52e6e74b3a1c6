using Mall.Shipping;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Mall.Web.Shipping;

/// <summary>Freight templates (<c>/api/admin/shipping/freight-templates</c>) and their assignment to products.</summary>
internal static class ShippingAdminEndpoints
{
    public static void MapShippingAdmin(this RouteGroupBuilder group)
    {
        var templates = group.MapGroup("/shipping/freight-templates").WithTags("Admin: shipping");
        templates.MapGet("/", (IFreightTemplateService s, CancellationToken ct) => s.ListAsync(ct)).WithSummary("Every freight template.");
        templates.MapGet("/{id:long}", async (long id, IFreightTemplateService s, CancellationToken ct) =>
            await s.FindAsync(id, ct) ?? throw new Common.MallNotFoundException($"Freight template {id} does not exist."));
        templates.MapPost("/", async (FreightTemplateInput input, IFreightTemplateService s, CancellationToken ct) =>
        {
            var created = await s.CreateAsync(input, ct);
            return TypedResults.Created($"{MallRoutes.Admin}/shipping/freight-templates/{created.Id}", created);
        }).WithSummary("Creates a template: charge by piece or weight, first + additional units, region rules, free-shipping thresholds, excluded regions.");
        templates.MapPut("/{id:long}", (long id, FreightTemplateInput input, IFreightTemplateService s, CancellationToken ct) => s.UpdateAsync(id, input, ct));
        templates.MapDelete("/{id:long}", async (long id, IFreightTemplateService s, CancellationToken ct) =>
        {
            await s.DeleteAsync(id, ct);
            return TypedResults.NoContent();
        }).WithSummary("Deletes a template no product uses.");

        group.MapPut("/catalog/products/{id:long}/freight-template", async (long id, AssignFreightTemplate body, IFreightTemplateService s, CancellationToken ct) =>
            {
                await s.AssignAsync(id, body.TemplateId, ct);
                return TypedResults.NoContent();
            })
            .WithTags("Admin: shipping")
            .WithSummary("Assigns a freight template to a product (null: the default template).");
    }
}

/// <summary>A product's freight template.</summary>
/// <param name="TemplateId">The template, or null for the default one.</param>
internal sealed record AssignFreightTemplate(long? TemplateId);
