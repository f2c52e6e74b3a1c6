using System.Globalization;
using Mall.Catalog;
using Mall.Common;
using Mall.Web.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Mall.Web.Themes;

/// <summary>
/// The server-rendered storefront: catalog pages rendered by the active theme from flat view models (never domain
/// objects), account pages as theme shells that talk to the REST API, and theme assets with content-hashed URLs.
/// </summary>
internal static partial class StorefrontEndpoints
{
    public static IEndpointRouteBuilder Map(IEndpointRouteBuilder endpoints)
    {
        var pages = endpoints.MapGroup("").ExcludeFromDescription();
        Mall.Web.RateLimiting.RateLimitConventions.WithMallRateLimits(pages, endpoints.ServiceProvider);
        pages.MapGet("/", async (HttpContext http, StorefrontRenderer renderer, IProductService products, ICategoryService categories) =>
        {
            var newest = await products.SearchAsync(new ProductQuery { Status = ProductStatus.Published, Sort = ProductSort.Newest, PageSize = 12 }, http.RequestAborted);
            var tree = await categories.GetTreeAsync(visibleOnly: true, http.RequestAborted);
            var model = new Dictionary<string, object?>
            {
                ["products"] = newest.Items.Select(Card).ToList(),
                ["categories"] = tree.Select(n => new Dictionary<string, object?> { ["id"] = n.Category.Id, ["name"] = n.Category.Name, ["href"] = $"/category/{n.Category.Id}" }).ToList(),
            };
            return await renderer.RenderAsync(http, "home", model, await PreviewAsync(http));
        });
        pages.MapGet("/products/{id:long}", async (long id, HttpContext http, StorefrontRenderer renderer, IProductService products, IOptions<MallOptions> options) =>
        {
            // Product pages are the storefront's hottest read: the catalog cache answers with the same product object
            // until the product changes (dropped on every node at once) or its stock figures are older than
            // Mall:Caching:StockLifetime; placing an order always checks the real stock.
            var keep = options.Value.Caching.Enabled ? options.Value.Themes.RenderedPageCacheDuration : TimeSpan.Zero;
            var product = await products.FindAsync(id, storefront: true, http.RequestAborted);
            if (product is null) return await NotFoundAsync(http, renderer);
            // Built only when the page is rendered (a kept page needs no model).
            Dictionary<string, object?> Model()
            {
                var skus = product.Skus.Select(s => new Dictionary<string, object?>
                {
                    ["id"] = s.Id, ["code"] = s.Code, ["specs"] = string.Join(" / ", s.SpecValues), ["price"] = s.Price,
                    ["available"] = s.Stock.Available, ["inStock"] = s.Stock.Available > 0, ["image"] = s.ImageUrl,
                }).ToList();
                var model = new Dictionary<string, object?>
                {
                    ["product"] = new Dictionary<string, object?>
                    {
                        ["id"] = product.Id, ["name"] = product.Name, ["subtitle"] = product.Subtitle, ["description"] = PlainText(product.Description),
                        ["images"] = product.Images.ToList(), ["image"] = product.Images.FirstOrDefault(), ["minPrice"] = product.MinPrice, ["maxPrice"] = product.MaxPrice,
                        ["priceRange"] = product.MinPrice != product.MaxPrice, ["skus"] = skus, ["singleSku"] = skus.Count == 1,
                        ["specs"] = product.Specs.Select(d => new Dictionary<string, object?> { ["name"] = d.Name, ["values"] = d.Values.ToList() }).ToList(),
                    },
                    ["title"] = product.Name,
                };
                return model;
            }
            // The rendered page is kept per product read; a product read on every request is rendered on every request.
            return keep > TimeSpan.Zero
                ? await renderer.RenderProductAsync(http, product.Id, product.Skus, product, Model, await PreviewAsync(http))
                : await renderer.RenderAsync(http, "product", Model(), await PreviewAsync(http), productId: product.Id, skus: product.Skus);
        });
        pages.MapGet("/category/{id:long}", async (long id, int? page, HttpContext http, StorefrontRenderer renderer, IProductService products, ICategoryService categories) =>
        {
            Category category;
            try
            {
                category = await categories.GetAsync(id, http.RequestAborted);
            }
            catch (MallNotFoundException)
            {
                return await NotFoundAsync(http, renderer);
            }
            var found = await products.SearchAsync(new ProductQuery { CategoryId = id, Status = ProductStatus.Published, Page = Math.Clamp(page ?? 1, 1, 1000), PageSize = 24 }, http.RequestAborted);
            var model = Listing(found, $"/category/{id}");
            model["category"] = new Dictionary<string, object?> { ["id"] = category.Id, ["name"] = category.Name };
            model["title"] = category.Name;
            return await renderer.RenderAsync(http, "category", model, await PreviewAsync(http));
        });
        pages.MapGet("/search", async (string? q, int? page, HttpContext http, StorefrontRenderer renderer, IProductService products) =>
        {
            var keyword = q?.Trim() ?? "";
            var found = keyword.Length == 0
                ? new PagedResult<ProductSummary>([], 1, 24, 0)
                : await products.SearchAsync(new ProductQuery { Keyword = keyword.Length > 100 ? keyword[..100] : keyword, Status = ProductStatus.Published, Page = Math.Clamp(page ?? 1, 1, 1000), PageSize = 24 }, http.RequestAborted);
            var model = Listing(found, $"/search?q={Uri.EscapeDataString(keyword)}");
            model["query"] = keyword;
            return await renderer.RenderAsync(http, "search", model, await PreviewAsync(http));
        });
        // Pages whose data belongs to the shopper: the theme renders a shell, its script reads the REST API with the shopper's token.
        foreach (var (route, page) in new[] { ("/cart", "cart"), ("/checkout", "checkout"), ("/orders", "orders"), ("/login", "login"), ("/register", "register") })
            pages.MapGet(route, async (HttpContext http, StorefrontRenderer renderer) => await renderer.RenderAsync(http, page, [], await PreviewAsync(http)));
        pages.MapGet("/orders/{id:long}", async (long id, HttpContext http, StorefrontRenderer renderer) =>
            await renderer.RenderAsync(http, "order", new Dictionary<string, object?> { ["orderId"] = id }, await PreviewAsync(http)));

        endpoints.MapGet("/themes/{name}/{version}/{hash}/{**path}", (string name, string version, string hash, string path, HttpContext http, ThemeService themes) =>
        {
            ThemeRuntime runtime;
            try
            {
                runtime = themes.Runtime(name);
            }
            catch (Exception ex) when (ex is Mall.Themes.ThemeException or MallNotFoundException)
            {
                return Results.NotFound();
            }
            if (!runtime.Assets.TryGetValue(path, out var asset)) return Results.NotFound();
            // The hash names the content: a matching URL can be cached for a year; an old one gets the current file briefly.
            http.Response.Headers.CacheControl = asset.Hash == hash && runtime.Manifest.Version == version ? "public, max-age=31536000, immutable" : "public, max-age=60";
            return Results.Bytes(asset.Content, asset.ContentType);
        }).ExcludeFromDescription();

        endpoints.MapFallback(async (HttpContext http, StorefrontRenderer renderer, Hosting.UnsupportedMediaTypeProbe probe) =>
        {
            // A real operation refused for its Content-Type is a 415 that names what it takes, not a "wrong URL".
            if (probe.ExpectedTypes(http) is { } expected)
                return Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type",
                    detail: $"This operation takes a body of Content-Type {string.Join(" or ", expected)}; the request's is " +
                        (string.IsNullOrEmpty(http.Request.ContentType) ? "missing." : $"'{http.Request.ContentType}'."));
            // API paths keep answering problem details.
            if (http.Request.Path.StartsWithSegments("/api") || !HttpMethods.IsGet(http.Request.Method)) return Results.Problem(statusCode: 404, title: "Not found");
            return await NotFoundAsync(http, renderer);
        });
        return endpoints;
    }

    private static async Task<IResult> NotFoundAsync(HttpContext http, StorefrontRenderer renderer) =>
        await renderer.RenderAsync(http, "not-found", [], await PreviewAsync(http), statusCode: 404);

    /// <summary><c>?theme=</c> previews an installed theme, for admins only; everyone else sees the active theme.</summary>
    private static async Task<string?> PreviewAsync(HttpContext http)
    {
        if (!http.Request.Query.TryGetValue("theme", out var theme) || string.IsNullOrWhiteSpace(theme)) return null;
        foreach (var scheme in new[] { MallAdminAuthentication.Scheme, MallClaims.BearerScheme })
        {
            var result = await http.AuthenticateAsync(scheme);
            if (result.Succeeded && result.Principal.IsInRole(MallAdminAuthentication.Role))
            {
                var themes = http.RequestServices.GetRequiredService<ThemeService>();
                return (await themes.ListAsync(http.RequestAborted)).Any(t => t.Name == theme.ToString()) ? theme.ToString() : null;
            }
        }
        return null;
    }

    /// <summary>
    /// The merchant's rich-text description as plain text: themes print it escaped like everything else (a sanitised
    /// HTML variant would be the only reason for a theme to write raw HTML, so none is offered).
    /// </summary>
    private static string? PlainText(string? html)
    {
        if (string.IsNullOrWhiteSpace(html)) return null;
        var text = System.Net.WebUtility.HtmlDecode(Tags().Replace(html, " "));
        return Spaces().Replace(text, " ").Trim();
    }

    [System.Text.RegularExpressions.GeneratedRegex("<[^>]*>")]
    private static partial System.Text.RegularExpressions.Regex Tags();

    [System.Text.RegularExpressions.GeneratedRegex(@"\s+")]
    private static partial System.Text.RegularExpressions.Regex Spaces();

    private static Dictionary<string, object?> Card(ProductSummary p) => new()
    {
        ["id"] = p.Id, ["name"] = p.Name, ["subtitle"] = p.Subtitle, ["image"] = p.ImageUrl, ["price"] = p.MinPrice, ["href"] = $"/products/{p.Id}",
    };

    private static Dictionary<string, object?> Listing(PagedResult<ProductSummary> found, string baseUrl) => new()
    {
        ["products"] = found.Items.Select(Card).ToList(),
        ["total"] = found.Total,
        ["page"] = found.Page,
        ["totalPages"] = found.TotalPages,
        ["baseUrl"] = baseUrl,
        ["empty"] = found.Items.Count == 0,
    };
}
