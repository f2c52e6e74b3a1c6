using Mall.Web;
using Mall.Security;
using Mall.Web.Carts;
using Mall.Web.Catalog;
using Mall.Web.Hosting;
using Mall;
using Mall.Web.Customers;
using Mall.Web.Inventory;
using Mall.Web.Ordering;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Mall.Web.Security;
using Mall.Web.Plugins;
using Mall.Web.Payments;
using Mall.Web.Shipping;
using Mall.Web.Promotions;
using Mall.Web.Coupons;
using Mall.Web.Themes;
using Mall.Web.Webhooks;
using Mall.Web.Auditing;
using Mall.Web.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps Mall's endpoints.</summary>
public static class MallEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the storefront API (<c>/api/v1</c>: catalog, account, orders), the admin API (<c>/api/admin</c>,
    /// admin identity required; <c>/api/admin/auth/login</c> is open), the health endpoint (<c>/health</c>) and the
    /// OpenAPI document (<c>/openapi/v1.json</c>, with Swagger UI at <c>/swagger</c>).
    /// </summary>
    /// <returns>
    /// Conventions applied to it (<c>RequireHost</c>, <c>RequireCors</c>, <c>WithMetadata</c>, …) apply to every endpoint
    /// Mall maps here; plugin endpoints follow their plugin's own conventions.
    /// </returns>
    public static IEndpointConventionBuilder MapMall(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        // One group around everything, so that conventions given to the result reach each endpoint.
        var mall = endpoints.MapGroup("");
        mall.WithMallRateLimits(endpoints.ServiceProvider);
        var storefront = mall.MapGroup(MallRoutes.StorefrontV1)
            .AddEndpointFilter<MallProblemEndpointFilter>()
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxStorefrontRequestBytes))
            .WithTags("Storefront");
        storefront.MapCatalogStorefront();
        storefront.MapShopperAuth();
        storefront.MapShopperAccount();
        storefront.MapCart();
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<MallOptions>>().Value;
        var environment = endpoints.ServiceProvider.GetRequiredService<IHostEnvironment>();
        var developmentPayments = options.EnableDevelopmentPayments ?? environment.IsDevelopment();
        storefront.MapShopperOrders(developmentPayments);
        storefront.MapShopperPayments();
        storefront.MapShopperCoupons();
        if (developmentPayments) mall.MapSandboxGateway();
        if (options.DemoCatalog) mall.MapDemoImages();
        mall.MapAdminAuth();

        var admin = mall.MapGroup(MallRoutes.Admin)
            .RequireAuthorization(MallAdminAuthentication.Policy)
            .AddEndpointFilter<MallProblemEndpointFilter>()
            .AddEndpointFilter<Mall.Web.Auditing.AuditArgumentsFilter>()
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxAdminRequestBytes))
            .WithTags("Admin");
        // Each area needs its role (or owner); the group above already requires an admin identity.
        var catalogArea = admin.MapGroup("").RequireAuthorization(MallAdminAuthentication.PolicyFor(AdminRoles.Catalog));
        // API keys need each part's own scopes (ApiScopes): catalog, inventory, shipping, marketing.
        catalogArea.MapCatalogAdmin();
        catalogArea.MapGroup("").WithApiScopeArea("inventory").MapInventoryAdmin();
        catalogArea.MapGroup("").WithApiScopeArea("shipping").MapShippingAdmin();
        catalogArea.MapGroup("").WithApiScopeArea("marketing").MapPromotionAdmin();
        catalogArea.MapGroup("").WithApiScopeArea("marketing").MapCouponAdmin();
        var ordersArea = admin.MapGroup("").RequireAuthorization(MallAdminAuthentication.PolicyFor(AdminRoles.Orders));
        ordersArea.MapOrderAdmin();
        ordersArea.MapPaymentAdmin();
        ordersArea.MapReportAdmin();
        admin.MapGroup("").RequireAuthorization(MallAdminAuthentication.PolicyFor(AdminRoles.Customers)).MapCustomerAdmin();
        admin.MapGroup("").RequireAuthorization(MallAdminAuthentication.PolicyFor(AdminRoles.Owner)).MapAdminAccounts();
        admin.MapAdminSelf();
        admin.MapConsoleScreens();
        admin.MapGroup("").RequireAuthorization(MallAdminAuthentication.PolicyFor(AdminRoles.Owner)).MapPluginAdmin();
        admin.MapGroup("").RequireAuthorization(MallAdminAuthentication.PolicyFor(AdminRoles.Owner)).MapThemeAdmin();
        admin.MapGroup("").RequireAuthorization(MallAdminAuthentication.PolicyFor(AdminRoles.Owner)).MapApiKeyAdmin();
        admin.MapGroup("").RequireAuthorization(MallAdminAuthentication.PolicyFor(AdminRoles.Owner)).MapWebhookAdmin();
        admin.MapGroup("").RequireAuthorization(MallAdminAuthentication.PolicyFor(AdminRoles.Owner)).MapAuditAdmin();

        // Routes of enabled plugins: one data source the plugin host swaps when a plugin changes.
        endpoints.DataSources.Add(endpoints.ServiceProvider.GetRequiredService<PluginEndpointDataSource>());

        mall.MapHealthChecks(MallRoutes.Health);
        mall.MapOpenApi();

        // Plugin routes change at run time, and ASP.NET Core then re-reads every data source; cache the host's so that
        // it does not rebuild its own endpoints each time. (Endpoints mapped after MapMall are rebuilt on each change.)
        var hostSources = endpoints.DataSources.Where(d => d is not CachedEndpointDataSource and not PluginEndpointDataSource).ToList();
        foreach (var source in hostSources)
        {
            endpoints.DataSources.Remove(source);
            endpoints.DataSources.Add(new CachedEndpointDataSource(source));
        }
        return mall;
    }

    /// <summary>Largest storefront request body (an order of 100 lines is a few kilobytes).</summary>
    public const long MaxStorefrontRequestBytes = 64 * 1024;

    /// <summary>Largest admin request body (a product with 500 SKUs is well under it).</summary>
    public const long MaxAdminRequestBytes = 2 * 1024 * 1024;

    /// <summary>
    /// Maps the theme-rendered storefront: pages (<c>/</c>, <c>/products/{id}</c>, <c>/category/{id}</c>, <c>/search</c>,
    /// <c>/cart</c>, <c>/checkout</c>, <c>/orders</c>, <c>/orders/{id}</c>, <c>/login</c>, <c>/register</c>, a 404 page for
    /// anything else) and theme assets under <c>/themes/</c>. Call after <see cref="MapMall"/>; leave it out for a
    /// headless mall (mini-program, app). Themes are managed at <c>/api/admin/themes</c> (docs/themes.md).
    /// </summary>
    public static IEndpointRouteBuilder MapMallStorefront(this IEndpointRouteBuilder endpoints) => StorefrontEndpoints.Map(endpoints);
}
