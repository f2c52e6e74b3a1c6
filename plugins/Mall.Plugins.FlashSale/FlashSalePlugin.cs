using System.Security.Claims;
using Mall.Common;
using Mall.Data.Migrations;
using Mall.Security;
using Mall.Web.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mall.Plugins.FlashSale;

/// <summary>
/// Flash sale (秒杀) as an ordinary hot-loadable plugin. A shopper attempts an item
/// (<c>POST /api/plugins/flashsale/items/{id}/attempts</c>); with Redis the answer is a ticket at once (202) and the
/// order follows from the queue, without it the order is placed at once (201). Orders go through normal checkout at
/// the flash price (<c>{"flashsale.item": "7"}</c>), and the sale's ledger follows them inside their transactions.
/// </summary>
public sealed class FlashSalePlugin : MallPlugin, IPluginEndpoints
{
    /// <summary>Route prefix of the plugin's API.</summary>
    public const string Routes = "/api/plugins/flashsale";

    /// <inheritdoc />
    public override void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton<FlashSaleStore>();
        services.AddSingleton<FlashSaleMetrics>();
        services.AddSingleton<FlashSaleAdmission>();
        services.AddSingleton<FlashSaleReconciler>();
        services.AddSingleton<Mall.Checkout.ICheckoutStep, FlashSalePriceStep>();
        services.AddSingleton<Mall.Ordering.IOrderParticipant, FlashSaleOrderParticipant>();
        services.AddSingleton<Mall.Events.IDomainEventHandler<Mall.Ordering.OrderStatusChangedEvent>, FlashSaleReturns>();
        services.AddSingleton<Mall.Web.Themes.IStorefrontWidget, FlashSaleProductWidget>();
        services.AddSingleton<IHostedService, FlashSaleQueue>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<FlashSaleReconciler>());
    }

    /// <inheritdoc />
    public override IReadOnlyList<Migration> Migrations => [new FlashSaleStore.CreateTables()];

    /// <inheritdoc />
    public override async Task UninstallAsync(PluginContext context, bool dropData, CancellationToken cancellationToken)
    {
        if (dropData) await context.Services.GetRequiredService<FlashSaleStore>().DropTablesAsync(cancellationToken);
    }

    /// <inheritdoc />
    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup(Routes);
        var admin = api.MapGroup("/admin");
        admin.MapPost("/sessions", async (FlashSessionInput input, FlashSaleStore store, CancellationToken ct) =>
            {
                var session = await store.CreateSessionAsync(input ?? throw new MallValidationException("body", "is required."), ct);
                return TypedResults.Created($"{Routes}/sessions/{session.Id}", session);
            })
            .RequireAuthorization(MallAdminAuthentication.PolicyFor(AdminRoles.Catalog));
        admin.MapPatch("/sessions/{id:long}", (long id, FlashSessionChange change, FlashSaleStore store, CancellationToken ct) =>
                store.UpdateSessionAsync(id, change ?? throw new MallValidationException("body", "is required."), ct))
            .RequireAuthorization(MallAdminAuthentication.PolicyFor(AdminRoles.Catalog));
        admin.MapPost("/sessions/{id:long}/end", (long id, FlashSaleStore store, CancellationToken ct) => store.EndSessionAsync(id, ct))
            .RequireAuthorization(MallAdminAuthentication.PolicyFor(AdminRoles.Catalog));
        admin.MapGet("/sessions", (FlashSaleStore store, CancellationToken ct) => store.ListRecentAsync(ct))
            .RequireAuthorization(MallAdminAuthentication.PolicyFor(AdminRoles.Catalog));
        // The database's counts now (not the shoppers' snapshot) and, with Redis, what Redis holds available.
        admin.MapGet("/sessions/{id:long}", async (long id, FlashSaleStore store, FlashSaleAdmission admission, CancellationToken ct) =>
            {
                var session = await store.FindSessionAsync(id, ct) ?? throw new MallNotFoundException($"Flash-sale session {id} does not exist.");
                var redis = new Dictionary<long, long?>();
                foreach (var item in session.Items)
                    redis[item.Id] = admission.Redis?.DatabaseOrNull is { } db && (long?)await db.StringGetAsync(admission.Keys(item.Id).Stock) is { } left ? left : null;
                return new { session, redisAvailable = redis, usesRedis = admission.UsesRedis };
            })
            .RequireAuthorization(MallAdminAuthentication.PolicyFor(AdminRoles.Catalog));
        // Runs a reconciliation pass now (the job runs one every few seconds on one node); returns what it changed.
        admin.MapPost("/reconcile", (FlashSaleReconciler reconciler, CancellationToken ct) => reconciler.ReconcileAsync(ct))
            .RequireAuthorization(MallAdminAuthentication.PolicyFor(AdminRoles.Orders));

        api.MapGet("/sessions", (FlashSaleStore store, CancellationToken ct) => store.ListCurrentAsync(ct));
        api.MapGet("/sessions/{id:long}", async (long id, FlashSaleStore store, CancellationToken ct) =>
            await store.FindSessionAsync(id, ct) ?? throw new MallNotFoundException($"Flash-sale session {id} does not exist."));
        api.MapPost("/items/{id:long}/attempts", async (long id, FlashAttemptInput input, ClaimsPrincipal user, FlashSaleAdmission admission, CancellationToken ct) =>
            {
                var result = await admission.AttemptAsync(user.CustomerId(), id, input ?? throw new MallValidationException("body", "is required."), ct);
                var location = $"{Routes}/tickets/{result.Ticket.Ticket}";
                return result.Replayed ? Results.Ok(result.Ticket)
                    : result.Ticket.Status == TicketStatus.Queued ? Results.Accepted(location, result.Ticket)
                    : Results.Created(location, result.Ticket);
            })
            .RequireAuthorization(MallClaims.ShopperPolicy);
        api.MapGet("/tickets/{ticket}", async (string ticket, ClaimsPrincipal user, FlashSaleAdmission admission, CancellationToken ct) =>
                await admission.PollAsync(user.CustomerId(), ticket, ct) ?? throw new MallNotFoundException($"Ticket {ticket} is not one of yours."))
            .RequireAuthorization(MallClaims.ShopperPolicy);

        // The storefront page inside the active theme: the sessions running now and soon, with countdowns.
        endpoints.MapGet("/flashsale", async (HttpContext http, FlashSaleStore store, TimeProvider clock, Mall.Web.Themes.IStorefrontPages renderer) =>
            await renderer.RenderPluginPageAsync(http, "flashsale", FlashSalePages.SessionsTemplate,
                new FlashSalePages.SessionsPage(await store.ListCurrentAsync(http.RequestAborted), clock.GetUtcNow().UtcDateTime), "秒杀 Flash sale"));
    }
}
