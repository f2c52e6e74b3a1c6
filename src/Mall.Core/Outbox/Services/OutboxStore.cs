using System.Data.Common;
using Dapper;
using Mall.Data;

namespace Mall.Outbox.Services;

/// <summary>
/// The outbox's reads and housekeeping for its one consumer, the webhook dispatcher (the outbox owns
/// <c>mall_outbox</c>; the dispatcher owns what it makes of the events).
/// </summary>
internal sealed class OutboxStore(IMallDatabase database)
{
    private const string Select = $"SELECT {OutboxWriter.Row.Columns} FROM mall_outbox";

    /// <summary>Undispatched events, oldest first.</summary>
    public async Task<List<OutboxWriter.Row>> PendingAsync(DbTransaction tx, int take, CancellationToken cancellationToken) =>
        (await tx.Connection!.QueryAsync<OutboxWriter.Row>(new CommandDefinition(
            $"{Select} WHERE dispatched_at IS NULL ORDER BY id {database.Dialect.Page("0", "@take")}", new { take }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();

    /// <summary>Marks events handed to the subscriptions.</summary>
    public Task MarkDispatchedAsync(DbTransaction tx, IReadOnlyList<long> ids, DateTime now, CancellationToken cancellationToken) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition(
            $"UPDATE mall_outbox SET dispatched_at = @now WHERE {database.Dialect.InList("id", "@ids")}", new { now, ids }, tx, cancellationToken: cancellationToken));

    /// <summary>Events by sequence number (those still kept).</summary>
    public async Task<Dictionary<long, OutboxWriter.Row>> GetAsync(DbConnection connection, IReadOnlyCollection<long> ids, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<OutboxWriter.Row>(new CommandDefinition(
            $"{Select} WHERE {database.Dialect.InList("id", "@ids")}", new { ids }, cancellationToken: cancellationToken)).ConfigureAwait(false))
        .ToDictionary(e => e.Id);

    /// <summary>One event by sequence number, or null once it is pruned.</summary>
    public async Task<OutboxWriter.Row?> FindAsync(DbConnection connection, DbTransaction? tx, long id, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<OutboxWriter.Row>(new CommandDefinition($"{Select} WHERE id = @id", new { id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false))
        .SingleOrDefault();

    /// <summary>Dispatched events that occurred at or after <paramref name="from"/>, in order.</summary>
    public async Task<List<(long Id, string EventId, string Type)>> DispatchedSinceAsync(DbTransaction tx, DateTime from, CancellationToken cancellationToken) =>
        (await tx.Connection!.QueryAsync<(long, string, string)>(new CommandDefinition(
            "SELECT id, event_id, type FROM mall_outbox WHERE occurred_at >= @from AND dispatched_at IS NOT NULL ORDER BY id", new { from }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();

    /// <summary>Removes dispatched events that occurred before <paramref name="cut"/>.</summary>
    public Task<int> PruneAsync(DbTransaction tx, DateTime cut, CancellationToken cancellationToken) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition(
            "DELETE FROM mall_outbox WHERE occurred_at < @cut AND dispatched_at IS NOT NULL", new { cut }, tx, cancellationToken: cancellationToken));
}
