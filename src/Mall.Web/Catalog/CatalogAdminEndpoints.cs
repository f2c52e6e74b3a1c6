using Mall.Catalog;
using Mall.Web.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Mall.Web.Catalog;

/// <summary>Admin catalog API: categories, brands, products and SKUs.</summary>
internal static class CatalogAdminEndpoints
{
    public static void MapCatalogAdmin(this RouteGroupBuilder group)
    {
        var catalog = group.MapGroup("/catalog");

        var categories = catalog.MapGroup("/categories");
        categories.MapGet("/", (ICategoryService s, CancellationToken ct) => s.GetTreeAsync(visibleOnly: false, ct));
        categories.MapGet("/{id:long}", (long id, ICategoryService s, CancellationToken ct) => s.GetAsync(id, ct));
        categories.MapPost("/", async (CategoryInput input, ICategoryService s, CancellationToken ct) =>
        {
            var created = await s.CreateAsync(input, ct);
            return TypedResults.Created($"{MallRoutes.Admin}/catalog/categories/{created.Id}", created);
        });
        categories.MapPut("/{id:long}", (long id, CategoryInput input, ICategoryService s, CancellationToken ct) => s.UpdateAsync(id, input, ct));
        categories.MapDelete("/{id:long}", async (long id, ICategoryService s, CancellationToken ct) =>
        {
            await s.DeleteAsync(id, ct);
            return TypedResults.NoContent();
        });

        var brands = catalog.MapGroup("/brands");
        brands.MapGet("/", (IBrandService s, CancellationToken ct) => s.ListAsync(ct));
        brands.MapGet("/{id:long}", (long id, IBrandService s, CancellationToken ct) => s.GetAsync(id, ct));
        brands.MapPost("/", async (BrandInput input, IBrandService s, CancellationToken ct) =>
        {
            var created = await s.CreateAsync(input, ct);
            return TypedResults.Created($"{MallRoutes.Admin}/catalog/brands/{created.Id}", created);
        });
        brands.MapPut("/{id:long}", (long id, BrandInput input, IBrandService s, CancellationToken ct) => s.UpdateAsync(id, input, ct));
        brands.MapDelete("/{id:long}", async (long id, IBrandService s, CancellationToken ct) =>
        {
            await s.DeleteAsync(id, ct);
            return TypedResults.NoContent();
        });

        var products = catalog.MapGroup("/products");
        products.MapGet("/", ([AsParameters] ProductSearchParameters search, string? status, bool? includeDeleted, IProductService s, CancellationToken ct) =>
            s.SearchAsync(search.ToQuery() with
            {
                Status = QueryValues.ParseOptionalEnum<ProductStatus>("status", status),
                IncludeDeleted = includeDeleted ?? false,
            }, ct));
        products.MapGet("/{id:long}", async (long id, IProductService s, CancellationToken ct) =>
            await s.FindAsync(id, storefront: false, ct) ?? throw new Common.MallNotFoundException($"Product {id} does not exist."));
        products.MapPost("/", async (ProductInput input, IProductService s, CancellationToken ct) =>
        {
            var created = await s.CreateAsync(input, ct);
            return TypedResults.Created($"{MallRoutes.Admin}/catalog/products/{created.Id}", created);
        });
        products.MapPut("/{id:long}", (long id, ProductInput input, IProductService s, CancellationToken ct) => s.UpdateAsync(id, input, ct));
        products.MapPost("/{id:long}/publish", (long id, IProductService s, CancellationToken ct) => s.SetStatusAsync(id, ProductStatus.Published, ct));
        products.MapPost("/{id:long}/unpublish", (long id, IProductService s, CancellationToken ct) => s.SetStatusAsync(id, ProductStatus.Draft, ct));
        products.MapPost("/{id:long}/restore", (long id, IProductService s, CancellationToken ct) => s.RestoreAsync(id, ct));
        products.MapDelete("/{id:long}", async (long id, IProductService s, CancellationToken ct) =>
        {
            await s.DeleteAsync(id, ct);
            return TypedResults.NoContent();
        });

        catalog.MapPost("/skus/bulk-edit", (SkuBulkEdit edit, IProductService s, CancellationToken ct) => s.BulkEditSkusAsync(edit, ct))
            .WithSummary("Previews (apply: false) or applies, in one transaction, new prices, member prices and stock for up to 1,000 SKUs.");
    }
}
