using System.Data.Common;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Mall.Data;

namespace Mall.Outbox.Services;

/// <summary>Default <see cref="IOutbox"/>: rows in <c>mall_outbox</c>; each write wakes the dispatcher.</summary>
internal sealed partial class OutboxWriter(IMallDatabase database, OutboxSignal signal, TimeProvider clock) : IOutbox
{
    /// <inheritdoc />
    public async Task<Guid> AddAsync(DbTransaction transaction, string type, string subject, object data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(data);
        if (!IsValidType(type)) throw new ArgumentException($"'{type}' is not an event type (lower case, dot-separated, at most 100 characters).", nameof(type));
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        if (subject.Length > 100) throw new ArgumentException("A subject is at most 100 characters.", nameof(subject));
        var id = Guid.CreateVersion7(clock.GetUtcNow());
        await transaction.Connection!.ExecuteAsync(new CommandDefinition(
            "INSERT INTO mall_outbox (event_id, type, subject, data, occurred_at, dispatched_at) VALUES (@id, @type, @subject, @data, @now, NULL)",
            new { id = id.ToString("D"), type, subject, data = JsonSerializer.Serialize(data, data.GetType(), Common.RecordJson.Options), now = clock.GetUtcNow().UtcDateTime },
            transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        // Not committed yet: the signal also wakes the dispatcher a moment later, after the commit.
        signal.Raise();
        return id;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<OutboxEvent>> ListAsync(string subject, int limit = 100, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<Row>(new CommandDefinition(
                $"SELECT {Row.Columns} FROM mall_outbox WHERE subject = @subject ORDER BY id DESC {database.Dialect.Page("0", "@limit")}",
                new { subject, limit = Math.Clamp(limit, 1, 1000) }, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .Select(r => r.ToEvent()).ToList();
    }

    /// <summary>Whether <paramref name="type"/> is shaped like an event type (<c>area.happened</c>, lower case).</summary>
    internal static bool IsValidType(string? type) => type is { Length: > 0 and <= 100 } && TypePattern().IsMatch(type);

    [GeneratedRegex("^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$")]
    private static partial Regex TypePattern();

    /// <summary>A row of <c>mall_outbox</c>.</summary>
    internal sealed class Row
    {
        public const string Columns = "id AS Id, event_id AS EventId, type AS Type, subject AS Subject, data AS Data, occurred_at AS OccurredAt, dispatched_at AS DispatchedAt";
        public long Id { get; set; }
        public string EventId { get; set; } = "";
        public string Type { get; set; } = "";
        public string Subject { get; set; } = "";
        public string Data { get; set; } = "";
        public DateTime OccurredAt { get; set; }
        public DateTime? DispatchedAt { get; set; }

        public OutboxEvent ToEvent() => new(Guid.Parse(EventId), Id, Type, Subject, Data, Common.Utc.Of(OccurredAt), Common.Utc.Of(DispatchedAt));
    }
}
