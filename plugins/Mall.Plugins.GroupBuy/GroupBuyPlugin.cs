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

namespace Mall.Plugins.GroupBuy;

/// <summary>
/// Group-buy (拼团) as an ordinary hot-loadable plugin. Shoppers buy through normal checkout with a checkout
/// extension — <c>{"groupbuy.activity": "3"}</c> opens a team as its leader, <c>{"groupbuy.team": "12"}</c> joins
/// one — and the plugin keeps each team in step with its members' orders inside their transactions.
/// </summary>
public sealed class GroupBuyPlugin : MallPlugin, IPluginEndpoints
{
    /// <summary>Route prefix of the plugin's API.</summary>
    public const string Routes = "/api/plugins/groupbuy";

    /// <inheritdoc />
    public override void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton<GroupBuyStore>();
        services.AddSingleton<GroupBuyExpiry>();
        services.AddSingleton<Mall.Promotions.IPromotionEvaluator, GroupBuyPriceEvaluator>();
        services.AddSingleton<Mall.Ordering.IOrderParticipant, GroupBuyOrderParticipant>();
        services.AddSingleton<Mall.Web.Themes.IStorefrontWidget, GroupBuyProductWidget>();
        services.AddSingleton<IHostedService, GroupBuyExpiryService>();
    }

    /// <inheritdoc />
    public override IReadOnlyList<Migration> Migrations => [new CreateTables()];

    /// <inheritdoc />
    public override async Task UninstallAsync(PluginContext context, bool dropData, CancellationToken cancellationToken)
    {
        if (dropData) await context.Services.GetRequiredService<GroupBuyStore>().DropTablesAsync(cancellationToken);
    }

    /// <inheritdoc />
    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup(Routes);
        var admin = api.MapGroup("/admin");
        admin.MapPost("/activities", async (GroupBuyActivityInput input, GroupBuyStore store, CancellationToken ct) =>
            {
                var activity = await store.CreateActivityAsync(input ?? throw new MallValidationException("body", "is required."), ct);
                return TypedResults.Created($"{Routes}/activities/{activity.Id}", activity);
            })
            .RequireAuthorization(MallAdminAuthentication.PolicyFor(AdminRoles.Catalog));
        admin.MapGet("/activities", (GroupBuyStore store, CancellationToken ct) => store.ListActivitiesAsync(ct))
            .RequireAuthorization(MallAdminAuthentication.PolicyFor(AdminRoles.Catalog));
        admin.MapPost("/activities/{id:long}/end", (long id, GroupBuyStore store, CancellationToken ct) => store.EndActivityAsync(id, ct))
            .RequireAuthorization(MallAdminAuthentication.PolicyFor(AdminRoles.Catalog));
        admin.MapGet("/activities/{id:long}/teams", (long id, string? status, GroupBuyStore store, CancellationToken ct) =>
                store.ListTeamsAsync(id, ParseStatus(status), ct))
            .RequireAuthorization(MallAdminAuthentication.PolicyFor(AdminRoles.Orders));
        // Runs an expiry pass now (the background job runs one every few seconds); safe beside it and on several hosts.
        admin.MapPost("/expiry/run", (GroupBuyExpiry expiry, CancellationToken ct) => expiry.RunOnceAsync(ct))
            .RequireAuthorization(MallAdminAuthentication.PolicyFor(AdminRoles.Orders));

        api.MapGet("/activities/{id:long}", async (long id, GroupBuyStore store, CancellationToken ct) =>
            await store.PageAsync(id, ct) ?? throw new MallNotFoundException($"Group-buy activity {id} does not exist."));
        api.MapGet("/teams/{id:long}", async (long id, GroupBuyStore store, CancellationToken ct) =>
            await store.FindTeamAsync(id, ct) ?? throw new MallNotFoundException($"Team {id} does not exist."));
        api.MapGet("/me/memberships", (ClaimsPrincipal user, GroupBuyStore store, CancellationToken ct) => store.MembershipsAsync(user.CustomerId(), ct))
            .RequireAuthorization(MallClaims.ShopperPolicy);

        // Storefront pages inside the active theme.
        endpoints.MapGet("/groupbuy/{id:long}", async (long id, HttpContext http, GroupBuyStore store, Mall.Web.Themes.IStorefrontPages renderer) =>
            await store.PageAsync(id, http.RequestAborted) is { } page
                ? await renderer.RenderPluginPageAsync(http, "groupbuy", GroupBuyPages.ActivityTemplate, page, GroupBuyPages.Title(page.Activity.Name, id))
                : Results.NotFound());
        endpoints.MapGet("/groupbuy/teams/{id:long}", async (long id, HttpContext http, GroupBuyStore store, TimeProvider clock, Mall.Web.Themes.IStorefrontPages renderer, Mall.Web.Hosting.IPublicUrls urls) =>
        {
            if (await store.FindTeamAsync(id, http.RequestAborted) is not { } team) return Results.NotFound();
            var activity = (await store.FindActivityAsync(team.ActivityId, http.RequestAborted))!;
            var sku = activity.Skus[0];
            var model = new TeamPage(team, urls.Absolute(http.Request, $"/groupbuy/teams/{id}"), sku.SkuId, sku.GroupPrice,
                team.Status == TeamStatus.Open && team.SeatsLeft > 0 && team.ExpiresAt > clock.GetUtcNow().UtcDateTime);
            return await renderer.RenderPluginPageAsync(http, "groupbuy-team", GroupBuyPages.TeamTemplate, model, GroupBuyPages.Title("Team", id));
        });
    }

    private static TeamStatus? ParseStatus(string? status) =>
        string.IsNullOrEmpty(status) ? null
        : char.IsAsciiLetter(status[0]) && Enum.TryParse<TeamStatus>(status, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) ? parsed
        : throw new MallValidationException("status", $"is one of {string.Join(", ", Enum.GetNames<TeamStatus>().Select(n => char.ToLowerInvariant(n[0]) + n[1..]))}.");

    private sealed record TeamPage(TeamView Team, string ShareUrl, long SkuId, decimal GroupPrice, bool Joinable);

    private sealed class CreateTables : Migration
    {
        public override long Version => 1;

        public override string Name => "Group-buy activities, teams, members and per-shopper quotas";

        public override void Up(MigrationBuilder builder)
        {
            builder.CreateTable("groupbuy_activity", t => t
                .Id().String("name", 100).Int("team_size").Int("team_minutes").DateTime("starts_at", nullable: true).DateTime("ends_at", nullable: true)
                .Int("per_user_limit").BigInt("leader_discount").Int("virtual_fill").Int("stock_cap").Int("sold").Bool("is_active").DateTime("created_at").DateTime("updated_at"));
            builder.CreateTable("groupbuy_activity_sku", t => t.Id().BigInt("activity_id").BigInt("sku_id").BigInt("group_price"));
            builder.CreateIndex("ux_groupbuy_activity_sku", "groupbuy_activity_sku", ["activity_id", "sku_id"], unique: true);
            builder.CreateIndex("ix_groupbuy_activity_sku_sku", "groupbuy_activity_sku", ["sku_id"]);
            builder.CreateTable("groupbuy_team", t => t
                .Id().BigInt("activity_id").BigInt("leader_id").SmallInt("status").Int("team_size").Int("seats").Int("paid").Int("virtual_members")
                .DateTime("expires_at", nullable: true).DateTime("opened_at", nullable: true).DateTime("closed_at", nullable: true).DateTime("created_at").DateTime("updated_at"));
            builder.CreateIndex("ix_groupbuy_team_due", "groupbuy_team", ["status", "expires_at"]);
            builder.CreateIndex("ix_groupbuy_team_activity", "groupbuy_team", ["activity_id", "status"]);
            // seat_key is the shopper while the member holds a seat and NULL after: one seat per shopper and team.
            builder.CreateTable("groupbuy_member", t => t
                .Id().BigInt("team_id").BigInt("activity_id").BigInt("customer_id").BigInt("seat_key", nullable: true).BigInt("order_id").Bool("is_leader").Int("quantity")
                .SmallInt("status").String("note", 200, nullable: true).DateTime("created_at").DateTime("updated_at"));
            builder.CreateIndex("ux_groupbuy_member_order", "groupbuy_member", ["order_id"], unique: true);
            builder.CreateIndex("ux_groupbuy_member_seat", "groupbuy_member", ["team_id", "seat_key"], unique: true);
            builder.CreateIndex("ix_groupbuy_member_status", "groupbuy_member", ["status"]);
            builder.CreateIndex("ix_groupbuy_member_customer", "groupbuy_member", ["customer_id"]);
            builder.CreateTable("groupbuy_quota", t => t.BigInt("activity_id").BigInt("customer_id").Int("units").PrimaryKey("activity_id", "customer_id"));
        }
    }
}
