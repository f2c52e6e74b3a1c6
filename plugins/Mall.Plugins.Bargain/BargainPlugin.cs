using System.Security.Claims;
using Mall.Common;
using Mall.Data;
using Mall.Data.Migrations;
using Mall.Security;
using Mall.Web.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Mall.Plugins.Bargain;

/// <summary>
/// Bargain (砍价) as an ordinary hot-loadable plugin: its own tables, an admin API to create activities, and a
/// storefront API to start a bargain, show it (the share link) and help it.
/// </summary>
public sealed class BargainPlugin : MallPlugin, IPluginEndpoints
{
    /// <summary>Route prefix of the plugin's API.</summary>
    public const string Routes = "/api/plugins/bargain";

    /// <inheritdoc />
    public override void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton<BargainStore>();
        // Checkout: the bargain price as a discount, and the claim inside the order's transaction.
        services.AddSingleton<Mall.Promotions.IPromotionEvaluator, BargainPriceEvaluator>();
        services.AddSingleton<Mall.Ordering.IOrderParticipant, BargainOrderParticipant>();
        services.AddSingleton<Mall.Web.Themes.IStorefrontWidget, BargainProductWidget>();
    }

    /// <inheritdoc />
    public override IReadOnlyList<Migration> Migrations => [new CreateTables(), new AddBuying()];

    /// <inheritdoc />
    public override async Task UninstallAsync(PluginContext context, bool dropData, CancellationToken cancellationToken)
    {
        if (dropData) await context.Services.GetRequiredService<BargainStore>().DropTablesAsync(cancellationToken);
    }

    /// <inheritdoc />
    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup(Routes);
        api.MapPost("/admin/activities", async (BargainActivityInput input, BargainStore store, CancellationToken ct) =>
            {
                var activity = await store.CreateActivityAsync(input ?? throw new MallValidationException("body", "is required."), ct);
                return TypedResults.Created($"{Routes}/activities/{activity.Id}", activity);
            })
            .RequireAuthorization(MallAdminAuthentication.PolicyFor(AdminRoles.Catalog));
        api.MapGet("/admin/activities", (BargainStore store, CancellationToken ct) => store.ListActivitiesAsync(ct))
            .RequireAuthorization(MallAdminAuthentication.PolicyFor(AdminRoles.Catalog));
        api.MapGet("/activities/{id:long}", async (long id, BargainStore store, CancellationToken ct) =>
            await store.FindActivityAsync(id, ct) ?? throw new MallNotFoundException($"Bargain activity {id} does not exist."));
        api.MapPost("/activities/{id:long}/start", async (long id, ClaimsPrincipal user, BargainStore store, CancellationToken ct) =>
            {
                var bargain = await store.StartAsync(id, user.CustomerId(), ct);
                return TypedResults.Created($"{Routes}/bargains/{bargain.Id}", bargain);
            })
            .RequireAuthorization(MallClaims.ShopperPolicy);
        // The page a shopper shares, rendered inside the active theme.
        endpoints.MapGet("/bargain/{id:long}", async (long id, HttpContext http, BargainStore store, Mall.Web.Themes.IStorefrontPages renderer) =>
            await store.FindAsync(id, http.RequestAborted) is { } bargain
                ? await renderer.RenderPluginPageAsync(http, "bargain", BargainPage.Template, bargain, BargainPage.Title(id))
                : Results.NotFound());
        api.MapGet("/bargains/{id:long}", async (long id, BargainStore store, CancellationToken ct) =>
            await store.FindAsync(id, ct) ?? throw new MallNotFoundException($"Bargain {id} does not exist."));
        api.MapPost("/bargains/{id:long}/help", async (long id, ClaimsPrincipal user, BargainStore store, CancellationToken ct) =>
            {
                var (cut, bargain) = await store.HelpAsync(id, user.CustomerId(), ct);
                return new HelpResult(Money.FromCents(cut), bargain);
            })
            .RequireAuthorization(MallClaims.ShopperPolicy);
    }

    private sealed class CreateTables : Migration
    {
        public override long Version => 1;

        public override string Name => "Bargain activities, bargains and helps";

        public override void Up(MigrationBuilder builder)
        {
            builder.CreateTable("bargain_activity", t => t
                .Id().BigInt("sku_id").BigInt("start_price").BigInt("floor_price").Int("helpers_needed").Int("min_share").Int("max_share")
                .Int("time_limit_minutes").DateTime("starts_at", nullable: true).DateTime("ends_at", nullable: true).Bool("allow_early_buy")
                .Int("stock_cap").Bool("is_active").DateTime("created_at"));
            builder.CreateTable("bargain", t => t
                .Id().BigInt("activity_id").BigInt("customer_id").BigInt("current_price").Int("helps").SmallInt("status")
                .DateTime("expires_at").DateTime("created_at").DateTime("updated_at"));
            // One bargain per shopper and activity; one help per friend and bargain.
            builder.CreateIndex("ux_bargain_shopper", "bargain", ["activity_id", "customer_id"], unique: true);
            builder.CreateTable("bargain_help", t => t.Id().BigInt("bargain_id").BigInt("helper_id").BigInt("cut").DateTime("created_at"));
            builder.CreateIndex("ux_bargain_help_once", "bargain_help", ["bargain_id", "helper_id"], unique: true);
        }
    }
}

/// <summary>Version 2: bargains are bought through checkout (the order, the activity's sold count, stacking).</summary>
internal sealed class AddBuying : Migration
{
    public override long Version => 2;

    public override string Name => "Bargains bought through checkout";

    public override void Up(MigrationBuilder builder) => builder
        .AddColumn("bargain", "order_id", ColumnType.BigInt, nullable: true)
        .AddColumn("bargain_activity", "sold", ColumnType.Int, nullable: false, defaultSql: "0")
        .AddColumn("bargain_activity", "stack_with_promotions", ColumnType.Bool, nullable: false, defaultSql: "FALSE");
}

/// <summary>Answer of a help.</summary>
/// <param name="Cut">What this helper took off.</param>
/// <param name="Bargain">The bargain after it.</param>
public sealed record HelpResult(decimal Cut, BargainView Bargain);
