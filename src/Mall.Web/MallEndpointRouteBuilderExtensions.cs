using Mall.Web;
using Mall.Web.Catalog;
using Mall.Web.Hosting;
using Mall.Web.Inventory;
using Mall.Web.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps Mall's endpoints.</summary>
public static class MallEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the storefront API (<c>/api/v1</c>), the admin API (<c>/api/admin</c>, admin identity required) and
    /// the health endpoint (<c>/health</c>).
    /// </summary>
    public static IEndpointRouteBuilder MapMall(this IEndpointRouteBuilder endpoints)
    {
        var storefront = endpoints.MapGroup(MallRoutes.StorefrontV1)
            .AddEndpointFilter<MallProblemEndpointFilter>()
            .WithTags("Storefront");
        storefront.MapCatalogStorefront();

        var admin = endpoints.MapGroup(MallRoutes.Admin)
            .RequireAuthorization(MallAdminAuthentication.Policy)
            .AddEndpointFilter<MallProblemEndpointFilter>()
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxAdminRequestBytes))
            .WithTags("Admin");
        admin.MapCatalogAdmin();
        admin.MapInventoryAdmin();

        endpoints.MapHealthChecks(MallRoutes.Health);
        return endpoints;
    }

    /// <summary>Largest admin request body (a product with 500 SKUs is well under it).</summary>
    public const long MaxAdminRequestBytes = 2 * 1024 * 1024;
}
