using Mall.Catalog;
using Mall.Common;
using Mall.Web.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Mall.Web.Catalog;

/// <summary>Storefront catalog API: browse, search, product detail with its SKU matrix.</summary>
internal static class CatalogStorefrontEndpoints
{
    public static void MapCatalogStorefront(this RouteGroupBuilder group)
    {
        var catalog = group.MapGroup("/catalog");

        catalog.MapGet("/categories", (ICategoryService categories, CancellationToken ct) => categories.GetTreeAsync(visibleOnly: true, ct))
            .WithName("Storefront_ListCategories");

        catalog.MapGet("/brands", (IBrandService brands, CancellationToken ct) => brands.ListAsync(ct))
            .WithName("Storefront_ListBrands");

        catalog.MapGet("/products", ([AsParameters] ProductSearchParameters search, IProductService products, CancellationToken ct) =>
                products.SearchAsync(search.ToQuery() with { Status = ProductStatus.Published, IncludeDeleted = false }, ct))
            .WithName("Storefront_SearchProducts");

        // The answer's JSON is kept with the cached product (StorefrontProductJson), so it is written as bytes; the
        // declared type keeps the OpenAPI description (and the generated clients) as before.
        catalog.MapGet("/products/{id:long}", async Task<Results<FileContentHttpResult, ProblemHttpResult>> (long id, IProductService products, StorefrontProductJson json, CancellationToken ct) =>
            {
                var product = await products.FindAsync(id, storefront: true, ct);
                return product is null
                    ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"Product {id} does not exist or is not on sale.")
                    : TypedResults.Bytes(json.Of(product), "application/json; charset=utf-8");
            })
            .Produces<StorefrontProduct>(StatusCodes.Status200OK, "application/json")
            .WithName("Storefront_GetProduct");
    }
}

/// <summary>Query string of product searches.</summary>
internal sealed record ProductSearchParameters(
    string? Keyword, long? CategoryId, long? BrandId, decimal? MinPrice, decimal? MaxPrice, string? Sort, int? Page, int? PageSize)
{
    public ProductQuery ToQuery() => new()
    {
        Keyword = Keyword, CategoryId = CategoryId, BrandId = BrandId, MinPrice = MinPrice, MaxPrice = MaxPrice,
        Sort = QueryValues.ParseEnum("sort", Sort, ProductSort.Newest), Page = Page ?? 1, PageSize = PageSize ?? 20,
    };
}

/// <summary>What a shopper sees of a product: no cost-side stock figures (received, reserved, sold).</summary>
internal sealed record StorefrontProduct(
    long Id, string Name, string? Subtitle, string? Description, long CategoryId, long? BrandId,
    IReadOnlyList<SpecDimension> Specs, IReadOnlyList<string> Images, decimal MinPrice, decimal MaxPrice, IReadOnlyList<StorefrontSku> Skus)
{
    public static StorefrontProduct From(Product p) => new(
        p.Id, p.Name, p.Subtitle, p.Description, p.CategoryId, p.BrandId, p.Specs, p.Images, p.MinPrice, p.MaxPrice,
        p.Skus.Select(s => new StorefrontSku(s.Id, s.Code, s.SpecValues, s.Price, s.MemberPrice, s.MarketPrice, s.ImageUrl, s.WeightGrams, s.Stock.Available)).ToList());
}

/// <summary>One SKU of <see cref="StorefrontProduct"/>: its spec values place it in the matrix of the product's dimensions.</summary>
internal sealed record StorefrontSku(
    long Id, string Code, IReadOnlyList<string> SpecValues, decimal Price, decimal? MemberPrice, decimal? MarketPrice, string? ImageUrl, int WeightGrams, long Available);
