using Mall.Auditing;
using Mall.Security;
using Mall.Web.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Mall.Web.Auditing;

/// <summary>The audit log, read-only (<c>GET /api/admin/audit</c>): owners, or API keys with <c>audit:read</c>.</summary>
internal static class AuditEndpoints
{
    public static void MapAuditAdmin(this RouteGroupBuilder group)
    {
        group.MapGet("/audit", (string? entityType, string? entityId, string? actor, DateTime? from, DateTime? to, int? page, int? pageSize, IAuditLog log, CancellationToken ct) =>
                log.QueryAsync(new AuditQuery(Trimmed(entityType), Trimmed(entityId), Trimmed(actor), from, to, page ?? 1, pageSize ?? 20), ct))
            .WithTags("Admin: audit log").WithApiScope(ApiScopes.AuditRead)
            .WithSummary("Who changed what, newest first: by entity (entityType, entityId), actor (admin:name, apikey:id) and time (from, to). Entries cannot be changed.");
    }

    private static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
