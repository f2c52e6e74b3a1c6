using System.Data.Common;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Mall.Common;
using Mall.Data;

namespace Mall.Auditing.Services;

/// <summary>Default <see cref="IAuditLog"/> over <c>mall_audit</c>; also writes entries (only ever inserts).</summary>
internal sealed class AuditLog(IMallDatabase database) : IAuditLog
{
    /// <inheritdoc />
    public async Task<PagedResult<AuditRecord>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var errors = new ValidationErrors();
        errors.Range("page", query.Page, 1, 100_000);
        errors.Range("pageSize", query.PageSize, 1, 100);
        errors.MaxLength("entityType", query.EntityType, 100);
        errors.MaxLength("entityId", query.EntityId, 100);
        errors.MaxLength("actor", query.Actor, 100);
        if (query.EntityId is not null && query.EntityType is null) errors.Add("entityId", "needs entityType too.");
        if (query.From is { } f && query.To is { } t && f >= t) errors.Add("to", "must be after from.");
        errors.ThrowIfAny();
        var where = new StringBuilder("1 = 1");
        if (query.EntityType is not null) where.Append(" AND entity_type = @EntityType");
        if (query.EntityId is not null) where.Append(" AND entity_id = @EntityId");
        if (query.Actor is not null) where.Append(" AND actor = @Actor");
        if (query.From is not null) where.Append(" AND occurred_at >= @from");
        if (query.To is not null) where.Append(" AND occurred_at < @to");
        var parameters = new
        {
            query.EntityType, query.EntityId, query.Actor, from = query.From?.ToUniversalTime(), to = query.To?.ToUniversalTime(),
            skip = (query.Page - 1) * query.PageSize, take = query.PageSize,
        };
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition($"SELECT COUNT(*) FROM mall_audit WHERE {where}", parameters, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            "SELECT id AS Id, occurred_at AS OccurredAt, actor AS Actor, action AS Action, entity_type AS EntityType, entity_id AS EntityId, changes AS Changes, request AS Request, ip AS Ip, correlation_id AS CorrelationId " +
            $"FROM mall_audit WHERE {where} ORDER BY id DESC {database.Dialect.Page("@skip", "@take")}", parameters, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new PagedResult<AuditRecord>(rows.Select(r => r.ToRecord()).ToList(), query.Page, query.PageSize, total);
    }

    /// <summary>Writes <paramref name="scope"/> in <paramref name="transaction"/> (called by the database just before it commits).</summary>
    public static Task WriteAsync(DbTransaction transaction, AuditScope scope, DateTime now, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteAsync(new CommandDefinition(
            "INSERT INTO mall_audit (occurred_at, actor, action, entity_type, entity_id, changes, request, ip, correlation_id) " +
            "VALUES (@now, @actor, @action, @entityType, @entityId, @changes, @request, @ip, @correlation)",
            new
            {
                now, actor = Bounded(scope.Actor, 100), action = Bounded(scope.Action, 300),
                entityType = Bounded(scope.EntityType, 100), entityId = Bounded(scope.EntityId, 100),
                changes = JsonSerializer.Serialize(scope.Changes.ToDictionary(c => c.Key, c => new { before = c.Value.Before, after = c.Value.After })),
                request = scope.Request?.ToJsonString(), ip = Bounded(scope.Ip, 45), correlation = Bounded(scope.CorrelationId, 100),
            }, transaction, cancellationToken: cancellationToken));

    private static string? Bounded(string? text, int length) => text is null || text.Length <= length ? text : text[..length];

    private sealed class Row
    {
        public long Id { get; set; }
        public DateTime OccurredAt { get; set; }
        public string Actor { get; set; } = "";
        public string Action { get; set; } = "";
        public string? EntityType { get; set; }
        public string? EntityId { get; set; }
        public string? Changes { get; set; }
        public string? Request { get; set; }
        public string? Ip { get; set; }
        public string? CorrelationId { get; set; }

        public AuditRecord ToRecord()
        {
            var changes = new Dictionary<string, AuditChange>(StringComparer.Ordinal);
            if (!string.IsNullOrEmpty(Changes) && JsonNode.Parse(Changes) is JsonObject o)
                foreach (var (field, value) in o)
                    changes[field] = new AuditChange(value?["before"]?.DeepClone(), value?["after"]?.DeepClone());
            return new AuditRecord(Id, Utc.Of(OccurredAt), Actor, Action, EntityType, EntityId, changes,
                string.IsNullOrEmpty(Request) ? null : JsonNode.Parse(Request), Ip, CorrelationId);
        }
    }
}

/// <summary>The audit context of a host without admin requests: there is never a current entry.</summary>
internal sealed class NoAuditContext : IAuditContext
{
    public AuditScope? Current => null;
}
