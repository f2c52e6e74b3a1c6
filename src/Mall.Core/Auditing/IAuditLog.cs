using System.Text.Json.Nodes;
using Mall.Common;

namespace Mall.Auditing;

/// <summary>
/// The audit log: who changed what through the admin API (an admin or an API key), which entity, the changed fields
/// before and after, when, from which address, under which correlation id. Each entry is written in the same
/// transaction as the change it records (a change that rolls back leaves none), and the log is read-only: no API
/// edits or deletes an entry. Secrets (passwords, keys, tokens) never appear in it.
/// </summary>
public interface IAuditLog
{
    /// <summary>Entries, newest first, filtered by <paramref name="query"/>.</summary>
    Task<PagedResult<AuditRecord>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default);
}

/// <summary>One entry of the audit log.</summary>
/// <param name="Id">Its id.</param>
/// <param name="OccurredAt">When the change was committed (UTC).</param>
/// <param name="Actor">Who: <c>admin:{name}</c>, <c>apikey:{id}</c> or <c>admin-key</c> (the operator key).</param>
/// <param name="Action">What: the HTTP method and route, e.g. <c>PATCH /api/admin/catalog/products/{id}</c>.</param>
/// <param name="EntityType">The kind of entity changed (e.g. <c>product</c>), when known.</param>
/// <param name="EntityId">Its id, when known.</param>
/// <param name="Changes">Changed fields with their values before and after, where the service that made the change describes them.</param>
/// <param name="Request">What the request asked for (its arguments as JSON, secrets redacted), or null.</param>
/// <param name="Ip">The caller's address, or null.</param>
/// <param name="CorrelationId">The request's trace id (as in the logs), or the caller's <c>X-Correlation-Id</c>.</param>
public sealed record AuditRecord(
    long Id, DateTime OccurredAt, string Actor, string Action, string? EntityType, string? EntityId,
    IReadOnlyDictionary<string, AuditChange> Changes, JsonNode? Request, string? Ip, string? CorrelationId);

/// <summary>A field's value before and after a change (JSON; null where it did not exist).</summary>
/// <param name="Before">The value before.</param>
/// <param name="After">The value after.</param>
public sealed record AuditChange(JsonNode? Before, JsonNode? After);

/// <summary>A filter of the audit log.</summary>
/// <param name="EntityType">Only this kind of entity.</param>
/// <param name="EntityId">Only this entity (with <paramref name="EntityType"/>).</param>
/// <param name="Actor">Only this actor (e.g. <c>apikey:3</c>).</param>
/// <param name="From">At or after this time.</param>
/// <param name="To">Before this time.</param>
/// <param name="Page">Page number from 1.</param>
/// <param name="PageSize">Page size (1–100).</param>
public sealed record AuditQuery(string? EntityType = null, string? EntityId = null, string? Actor = null, DateTime? From = null, DateTime? To = null, int Page = 1, int PageSize = 20);

/// <summary>
/// The audit entry being made for the current admin request, if any. The web host opens one for every admin request
/// that may change something; services describe what they change through it, and the entry is written in the first
/// transaction the request commits. Outside such a request <see cref="Current"/> is null and nothing is recorded.
/// </summary>
public interface IAuditContext
{
    /// <summary>The current request's entry, or null.</summary>
    AuditScope? Current { get; }
}

/// <summary>An audit entry in the making (see <see cref="IAuditContext"/>).</summary>
public sealed class AuditScope
{
    private readonly Dictionary<string, AuditChange> _changes = new(StringComparer.Ordinal);

    /// <summary>Opens an entry.</summary>
    /// <param name="actor">Who acts.</param>
    /// <param name="action">What they do (method and route).</param>
    /// <param name="ip">From where, or null.</param>
    /// <param name="correlationId">The request's correlation id, or null.</param>
    /// <param name="request">The request's arguments as JSON with secrets redacted, or null.</param>
    public AuditScope(string actor, string action, string? ip, string? correlationId, JsonNode? request)
    {
        Actor = actor;
        Action = action;
        Ip = ip;
        CorrelationId = correlationId;
        Request = request;
    }

    /// <summary>Who acts.</summary>
    public string Actor { get; }
    /// <summary>What they do.</summary>
    public string Action { get; }
    /// <summary>From where.</summary>
    public string? Ip { get; }
    /// <summary>The correlation id.</summary>
    public string? CorrelationId { get; }
    /// <summary>The request's arguments, secrets redacted.</summary>
    public JsonNode? Request { get; }
    /// <summary>The kind of entity changed, once known.</summary>
    public string? EntityType { get; private set; }
    /// <summary>Its id, once known.</summary>
    public string? EntityId { get; private set; }
    /// <summary>The changes described so far.</summary>
    public IReadOnlyDictionary<string, AuditChange> Changes => _changes;
    /// <summary>Whether the entry has been written (it is written once, with the first committed transaction).</summary>
    public bool Written { get; internal set; }

    /// <summary>Names the entity the request changes (a service knows it best, e.g. the id of what it created).</summary>
    public void SetEntity(string type, string id)
    {
        EntityType = type;
        EntityId = id;
    }

    /// <summary>Records a field's value before and after (values are serialized as JSON; equal values are left out).</summary>
    public void Change(string field, object? before, object? after)
    {
        var b = before is null ? null : System.Text.Json.JsonSerializer.SerializeToNode(before, Common.RecordJson.Options);
        var a = after is null ? null : System.Text.Json.JsonSerializer.SerializeToNode(after, Common.RecordJson.Options);
        if (JsonNode.DeepEquals(b, a)) return;
        _changes[field] = new AuditChange(b, a);
    }
}
