using System.Text.Json.Nodes;
using Mall.Common;
using Mall.Plugins;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Mall.Web.Plugins;

/// <summary>The plugin admin API (<c>/api/admin/plugins</c>), owners only.</summary>
internal static class PluginAdminEndpoints
{
    public static void MapPluginAdmin(this RouteGroupBuilder group)
    {
        var plugins = group.MapGroup("/plugins").WithTags("Admin: plugins");
        plugins.MapGet("/", (PluginManager manager, CancellationToken ct) => manager.ListAsync(ct))
            .WithSummary("Lists installed and uploaded plugins with state, versions and last error.");
        plugins.MapGet("/{id}", (string id, PluginManager manager, CancellationToken ct) => manager.GetAsync(id, ct))
            .WithSummary("One plugin.");
        plugins.MapPost("/", async (HttpRequest request, PluginManager manager, CancellationToken ct) =>
            {
                if (request.ContentLength is 0 || !IsZip(request.ContentType))
                    throw new MallValidationException("body", "send the .mallplugin file as the request body with Content-Type application/zip or application/octet-stream.");
                var manifest = await manager.UploadAsync(request.Body, ct);
                return TypedResults.Created($"{MallRoutes.Admin}/plugins/{manifest.Id}", await manager.GetAsync(manifest.Id, ct));
            })
            .Accepts<byte[]>("application/zip", "application/octet-stream")
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxPackageRequestBytes))
            .WithSummary("Uploads a .mallplugin package (validated, not installed).");
        plugins.MapPost("/{id}/install", (string id, string? version, bool? enable, PluginManager manager, CancellationToken ct) =>
                manager.InstallAsync(id, version, enable ?? false, ct))
            .WithSummary("Installs an uploaded version (the newest by default): migrations, install hook; ?enable=true enables it too.");
        plugins.MapPost("/{id}/enable", (string id, PluginManager manager, CancellationToken ct) => manager.EnableAsync(id, ct))
            .WithSummary("Loads and enables an installed plugin.");
        plugins.MapPost("/{id}/disable", (string id, PluginManager manager, CancellationToken ct) => manager.DisableAsync(id, ct))
            .WithSummary("Stops and unloads a plugin after its calls in flight finish.");
        plugins.MapPost("/{id}/upgrade", (string id, string? version, PluginManager manager, CancellationToken ct) => manager.UpgradeAsync(id, version, ct))
            .WithSummary("Switches to a newer uploaded version (the newest by default) without failing a request.");
        plugins.MapDelete("/{id}", async (string id, bool? dropData, PluginManager manager, CancellationToken ct) =>
            {
                await manager.UninstallAsync(id, dropData ?? false, ct);
                return TypedResults.NoContent();
            })
            .WithSummary("Uninstalls a plugin; ?dropData=true also drops its tables and settings.");
        plugins.MapGet("/{id}/settings", (string id, PluginManager manager, CancellationToken ct) => manager.GetSettingsAsync(id, ct))
            .WithSummary("The plugin's settings (defaults overlaid with saved values).");
        plugins.MapPut("/{id}/settings", (string id, JsonObject values, PluginManager manager, CancellationToken ct) => manager.SetSettingsAsync(id, values, ct))
            .WithSummary("Saves settings; names and value kinds must match the manifest's defaults.");
    }

    /// <summary>
    /// The console screens of the enabled plugins that the caller's roles reach (any admin may ask; the menu follows
    /// it, and the plugins' endpoints check roles again). Changes as plugins are enabled and disabled, on every node.
    /// </summary>
    public static void MapConsoleScreens(this RouteGroupBuilder group) =>
        group.MapGet("/console/screens", (System.Security.Claims.ClaimsPrincipal user, PluginManager manager) =>
                manager.ConsoleScreens().Where(s => user.IsInRole(Security.MallClaims.AdminRolePrefix + Mall.Security.AdminRoles.Owner)
                    || user.IsInRole(Security.MallClaims.AdminRolePrefix + s.Role)).ToList())
            .WithTags("Admin: console")
            .WithSummary("Screens the enabled plugins add to the merchant console, those the caller's roles reach.");

    private static bool IsZip(string? contentType) =>
        contentType is not null && (contentType.StartsWith("application/zip", StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("application/x-zip", StringComparison.OrdinalIgnoreCase));

    /// <summary>Largest upload request (the store's own limit, 100 MB by default, applies too).</summary>
    public const long MaxPackageRequestBytes = 200L * 1024 * 1024;
}
