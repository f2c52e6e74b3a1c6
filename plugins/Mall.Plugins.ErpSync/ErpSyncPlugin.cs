using Mall.Common;
using Mall.Data.Migrations;
using Mall.Plugins.ErpSync.Signing;
using Mall.Security;
using Mall.Web.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mall.Plugins.ErpSync;

/// <summary>
/// ERP sync as an ordinary hot-loadable plugin: order events recorded in the orders' transactions and pushed to the
/// ERP with retries, stock and prices pulled with a cursor, shipment confirmations accepted from the ERP, and an
/// admin API for the sync's status, its delivery log, retry, pause/resume and a full resync.
/// </summary>
public sealed class ErpSyncPlugin : MallPlugin, IPluginEndpoints
{
    /// <summary>Route prefix of the plugin's API.</summary>
    public const string Routes = "/api/plugins/erpsync";

    /// <inheritdoc />
    public override void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton<IErpSignatureScheme>(new TopSignatureScheme(hmac: false));
        services.AddSingleton<IErpSignatureScheme>(new TopSignatureScheme(hmac: true));
        services.AddSingleton<IErpSignatureScheme, HmacJsonSignatureScheme>();
        services.AddSingleton<ErpSignatureSchemes>();
        services.AddSingleton<IPluginSettingsValidator, ErpSettingsValidator>();
        services.AddSingleton<ErpStore>();
        services.AddSingleton<ErpClient>();
        services.AddSingleton<ErpPusher>();
        services.AddSingleton<ErpPuller>();
        services.AddSingleton<ErpSync>();
        services.AddSingleton<ErpResync>();
        services.AddSingleton<ErpInbound>();
        services.AddSingleton<Mall.Ordering.IOrderParticipant, ErpOrderParticipant>();
        services.AddSingleton<IHostedService, ErpSyncJob>();
    }

    /// <inheritdoc />
    public override IReadOnlyList<Migration> Migrations => [new CreateTables()];

    /// <inheritdoc />
    public override async Task UninstallAsync(PluginContext context, bool dropData, CancellationToken cancellationToken)
    {
        if (dropData) await context.Services.GetRequiredService<ErpStore>().DropTablesAsync(cancellationToken);
    }

    /// <inheritdoc />
    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup(Routes).WithTags("Plugin: ERP sync");
        // The ERP's calls: no mall credentials, the request's own signature (checked before anything is read or written).
        api.MapPost("/inbound", async (HttpRequest request, ErpInbound inbound, CancellationToken ct) =>
            new { code = 0, msg = "ok", data = await inbound.HandleAsync(request, ct) });

        var admin = api.MapGroup("/admin").RequireAuthorization(MallAdminAuthentication.PolicyFor(AdminRoles.Orders));
        admin.MapGet("/status", (ErpSync sync, CancellationToken ct) => sync.StatusAsync(ct));
        admin.MapGet("/pushes", (string? orderNumber, string? status, int? page, int? pageSize, ErpStore store, CancellationToken ct) =>
        {
            var errors = new ValidationErrors();
            ErpPushStatus? parsed = status switch { null or "" => null, "pending" => ErpPushStatus.Pending, "sent" => ErpPushStatus.Sent, _ => Invalid() };
            ErpPushStatus? Invalid()
            {
                errors.Add("status", "is pending or sent.");
                return null;
            }
            errors.Range("page", page ?? 1, 1, 100_000);
            errors.Range("pageSize", pageSize ?? 50, 1, 200);
            errors.ThrowIfAny();
            return store.ListAsync(string.IsNullOrWhiteSpace(orderNumber) ? null : orderNumber.Trim(), parsed, page ?? 1, pageSize ?? 50, ct);
        });
        admin.MapGet("/pushes/{id:long}", async (long id, ErpStore store, CancellationToken ct) =>
            await store.FindAsync(id, ct) ?? throw new MallNotFoundException($"Push {id} does not exist."));
        admin.MapPost("/retry", async (ErpSync sync, CancellationToken ct) => new { due = await sync.RetryAsync(ct) });
        admin.MapPost("/pause", (ErpSync sync, CancellationToken ct) => sync.SetPausedAsync(true, ct));
        admin.MapPost("/resume", (ErpSync sync, CancellationToken ct) => sync.SetPausedAsync(false, ct));
        admin.MapPost("/pull", async (ErpSync sync, CancellationToken ct) =>
        {
            await sync.RequestPullAsync(ct);
            return TypedResults.Accepted($"{Routes}/admin/status");
        });
        admin.MapPost("/resync", (bool? restart, ErpResync resync, CancellationToken ct) => resync.StartAsync(restart == true, ct));
        admin.MapPost("/resync/step", (ErpResync resync, CancellationToken ct) => resync.StepAsync(ct));
    }

    private sealed class CreateTables : Migration
    {
        public override long Version => 1;

        public override string Name => "ERP pushes, their attempts, sync state and applied SKU versions";

        public override void Up(MigrationBuilder builder)
        {
            builder.CreateTable("erp_push", t => t
                .Id().BigInt("order_id").String("order_number", 40).SmallInt("kind").String("event_key", 80).SmallInt("status").Int("attempts")
                .DateTime("next_attempt_at").String("last_error", 500, nullable: true).DateTime("created_at").DateTime("sent_at", nullable: true));
            builder.CreateIndex("ux_erp_push_event", "erp_push", ["event_key"], unique: true);
            builder.CreateIndex("ix_erp_push_due", "erp_push", ["status", "next_attempt_at"]);
            builder.CreateIndex("ix_erp_push_order", "erp_push", ["order_id", "kind"]);
            builder.CreateIndex("ix_erp_push_number", "erp_push", ["order_number"]);
            builder.CreateTable("erp_attempt", t => t.Id().BigInt("push_id").DateTime("at").Int("duration_ms").Bool("succeeded").String("error", 500, nullable: true));
            builder.CreateIndex("ix_erp_attempt_push", "erp_attempt", ["push_id"]);
            builder.CreateTable("erp_state", t => t.String("name", 64).String("value", 500, nullable: true).DateTime("updated_at").PrimaryKey("name"));
            builder.CreateTable("erp_sku_version", t => t.BigInt("sku_id").SmallInt("kind").BigInt("version").BigInt("value").DateTime("updated_at").PrimaryKey("sku_id", "kind"));
        }
    }
}
