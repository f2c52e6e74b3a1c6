using System.Data.Common;
using System.Globalization;
using Mall.Data;
using static Mall.Data.MallSql;

namespace Mall.Plugins.ErpSync;

/// <summary>What happened to an order that the ERP is told.</summary>
public enum ErpEvent
{
    /// <summary>Paid: the ERP creates the order and ships it.</summary>
    Paid = 1,
    /// <summary>Cancelled before payment: the ERP voids what it may hold for it.</summary>
    Cancelled = 2,
    /// <summary>Refunded in full.</summary>
    Refunded = 3,
    /// <summary>Refunded in part (each partial refund is one event).</summary>
    PartiallyRefunded = 4,
}

/// <summary>Where a push stands.</summary>
public enum ErpPushStatus
{
    /// <summary>Not yet accepted by the ERP: sent when due, retried with backoff.</summary>
    Pending = 0,
    /// <summary>Accepted by the ERP.</summary>
    Sent = 1,
}

/// <summary>One event of one order on its way to the ERP (the delivery log), with its attempts.</summary>
/// <param name="Id">The push.</param>
/// <param name="OrderId">The order.</param>
/// <param name="OrderNumber">Its number.</param>
/// <param name="Event">What happened.</param>
/// <param name="EventKey">The idempotency key the ERP deduplicates on, e.g. <c>M2026…:paid</c>.</param>
/// <param name="Status">Where it stands.</param>
/// <param name="Attempts">Attempts so far.</param>
/// <param name="NextAttemptAt">When it is tried next, while pending.</param>
/// <param name="LastError">Why the last attempt failed, if it did.</param>
/// <param name="CreatedAt">When the event happened.</param>
/// <param name="SentAt">When the ERP accepted it.</param>
public sealed record ErpPush(long Id, long OrderId, string OrderNumber, ErpEvent Event, string EventKey, ErpPushStatus Status, int Attempts,
    DateTime NextAttemptAt, string? LastError, DateTime CreatedAt, DateTime? SentAt)
{
    /// <summary>Every attempt, oldest first (filled when one push is asked for).</summary>
    public IReadOnlyList<ErpAttempt> AttemptLog { get; init; } = [];
}

/// <summary>One call to the ERP for a push.</summary>
/// <param name="At">When.</param>
/// <param name="DurationMs">How long it took.</param>
/// <param name="Succeeded">The ERP accepted it.</param>
/// <param name="Error">Why not, when it failed (HTTP status, ERP code and message, or the network error).</param>
public sealed record ErpAttempt(DateTime At, int DurationMs, bool Succeeded, string? Error);

/// <summary>
/// The plugin's tables (<c>erp_push</c>, <c>erp_attempt</c>, <c>erp_state</c>, <c>erp_sku_version</c>) through the
/// host's database, with plain ADO.NET.
/// </summary>
public sealed class ErpStore(IMallDatabase database)
{
    private ISqlDialect Dialect => database.Dialect;

    /// <summary>
    /// Records an order event for the ERP in the order's transaction (<paramref name="tx"/>): written with the
    /// change or not at all, once per event (a repeated transition adds nothing).
    /// </summary>
    public async Task EnqueueAsync(DbTransaction tx, long orderId, string orderNumber, ErpEvent kind, DateTime now, CancellationToken cancellationToken)
    {
        var key = EventKey(orderNumber, kind);
        if (kind == ErpEvent.PartiallyRefunded)
        {
            // Each partial refund is its own event; the order's row is locked by its transition, so the count is stable.
            var earlier = await ScalarAsync(tx.Connection!, tx, "SELECT COUNT(*) FROM erp_push WHERE order_id = @order AND kind = @kind", cancellationToken,
                ("order", orderId), ("kind", (short)kind));
            key += ":" + (earlier + 1).ToString(CultureInfo.InvariantCulture);
        }
        await ExecuteAsync(tx.Connection!, tx, Dialect.InsertIgnoreDuplicate("erp_push",
                ["order_id", "order_number", "kind", "event_key", "status", "attempts", "next_attempt_at", "created_at"],
                ["@order", "@number", "@kind", "@key", "@pending", "0", "@now", "@now"], ["event_key"]), cancellationToken,
            ("order", orderId), ("number", orderNumber), ("kind", (short)kind), ("key", key), ("pending", (short)ErpPushStatus.Pending), ("now", now));
    }

    /// <summary>The idempotency key of an order's event.</summary>
    public static string EventKey(string orderNumber, ErpEvent kind) => $"{orderNumber}:{Wire(kind)}";

    /// <summary>An event's name on the wire.</summary>
    public static string Wire(ErpEvent kind) => kind switch
    {
        ErpEvent.Paid => "paid",
        ErpEvent.Cancelled => "cancelled",
        ErpEvent.Refunded => "refunded",
        ErpEvent.PartiallyRefunded => "partially_refunded",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>
    /// Pushes due now, oldest first; a push waits while an earlier push of its order is pending, so the ERP sees an
    /// order's events in the order they happened.
    /// </summary>
    public async Task<List<ErpPush>> DueAsync(DateTime now, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await QueryAsync(connection, null,
            $"SELECT {PushColumns} FROM erp_push p WHERE p.status = @pending AND p.next_attempt_at <= @now " +
            "AND NOT EXISTS (SELECT 1 FROM erp_push e WHERE e.order_id = p.order_id AND e.status = @pending AND e.id < p.id) " +
            $"ORDER BY p.id {Dialect.Page("0", "@limit")}", ReadPush, cancellationToken, ("pending", (short)ErpPushStatus.Pending), ("now", now), ("limit", limit));
    }

    /// <summary>Records an attempt: the push sent, or failed and due again at <paramref name="retryAt"/>.</summary>
    public Task RecordAsync(long pushId, DateTime at, int durationMs, string? error, DateTime? retryAt, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async tx =>
        {
            var connection = tx.Connection!;
            await ExecuteAsync(connection, tx, "INSERT INTO erp_attempt (push_id, at, duration_ms, succeeded, error) VALUES (@push, @at, @duration, @ok, @error)", cancellationToken,
                ("push", pushId), ("at", at), ("duration", durationMs), ("ok", error is null), ("error", Trim(error)));
            return error is null
                ? await ExecuteAsync(connection, tx, "UPDATE erp_push SET status = @sent, attempts = attempts + 1, sent_at = @at, last_error = NULL WHERE id = @push", cancellationToken,
                    ("sent", (short)ErpPushStatus.Sent), ("at", at), ("push", pushId))
                : await ExecuteAsync(connection, tx, "UPDATE erp_push SET attempts = attempts + 1, next_attempt_at = @next, last_error = @error WHERE id = @push", cancellationToken,
                    ("next", retryAt ?? at), ("error", Trim(error)), ("push", pushId));
        }, cancellationToken);

    /// <summary>Makes every pending push due now; answers how many.</summary>
    public async Task<int> RetryAllAsync(DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await ExecuteAsync(connection, null, "UPDATE erp_push SET next_attempt_at = @now WHERE status = @pending AND next_attempt_at > @now", cancellationToken,
            ("now", now), ("pending", (short)ErpPushStatus.Pending));
    }

    /// <summary>Backlog figures for the status.</summary>
    public async Task<(long Pending, long Failing, long PendingPaid, long Sent, DateTime? OldestPending, DateTime? LastSent)> CountsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var rows = await QueryAsync(connection, null,
            "SELECT COUNT(*), SUM(CASE WHEN attempts > 0 THEN 1 ELSE 0 END), SUM(CASE WHEN kind = @paid THEN 1 ELSE 0 END), MIN(created_at) FROM erp_push WHERE status = @pending",
            r => (r.GetInt64(0), r.IsDBNull(1) ? 0 : Convert.ToInt64(r.GetValue(1), CultureInfo.InvariantCulture), r.IsDBNull(2) ? 0 : Convert.ToInt64(r.GetValue(2), CultureInfo.InvariantCulture),
                r.IsDBNull(3) ? (DateTime?)null : Utc(r.GetDateTime(3))),
            cancellationToken, ("pending", (short)ErpPushStatus.Pending), ("paid", (short)ErpEvent.Paid));
        var sent = await QueryAsync(connection, null, "SELECT COUNT(*), MAX(sent_at) FROM erp_push WHERE status = @sent",
            r => (r.GetInt64(0), r.IsDBNull(1) ? (DateTime?)null : Utc(r.GetDateTime(1))), cancellationToken, ("sent", (short)ErpPushStatus.Sent));
        var (pending, failing, paid, oldest) = rows[0];
        return (pending, failing, paid, sent[0].Item1, oldest, sent[0].Item2);
    }

    /// <summary>The delivery log, newest first, optionally only one order's or one status.</summary>
    public async Task<List<ErpPush>> ListAsync(string? orderNumber, ErpPushStatus? status, int page, int pageSize, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var where = "1 = 1" + (orderNumber is null ? "" : " AND p.order_number = @number") + (status is null ? "" : " AND p.status = @status");
        return await QueryAsync(connection, null, $"SELECT {PushColumns} FROM erp_push p WHERE {where} ORDER BY p.id DESC {Dialect.Page("@skip", "@take")}", ReadPush, cancellationToken,
            ("number", orderNumber), ("status", (short?)status), ("skip", (page - 1) * pageSize), ("take", pageSize));
    }

    /// <summary>One push with its attempts, or null.</summary>
    public async Task<ErpPush?> FindAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var push = (await QueryAsync(connection, null, $"SELECT {PushColumns} FROM erp_push p WHERE p.id = @id", ReadPush, cancellationToken, ("id", id))).SingleOrDefault();
        if (push is null) return null;
        var attempts = await QueryAsync(connection, null, "SELECT at, duration_ms, succeeded, error FROM erp_attempt WHERE push_id = @id ORDER BY id",
            r => new ErpAttempt(Utc(r.GetDateTime(0)), r.GetInt32(1), Convert.ToBoolean(r.GetValue(2), CultureInfo.InvariantCulture), r.IsDBNull(3) ? null : r.GetString(3)), cancellationToken, ("id", id));
        return push with { AttemptLog = attempts };
    }

    /// <summary>The order a number names, among the orders the ERP was told were paid; null when none.</summary>
    public async Task<long?> FindPaidOrderAsync(string orderNumber, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var ids = await QueryAsync(connection, null, "SELECT order_id FROM erp_push WHERE order_number = @number AND kind = @paid", r => r.GetInt64(0), cancellationToken,
            ("number", orderNumber), ("paid", (short)ErpEvent.Paid));
        return ids.Count > 0 ? ids[0] : null;
    }

    /// <summary>Queues an order's event again for a resync (sent or not, it is due now); adds it when missing.</summary>
    public Task RequeueAsync(long orderId, string orderNumber, ErpEvent kind, DateTime now, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async tx =>
        {
            var changed = await ExecuteAsync(tx.Connection!, tx, "UPDATE erp_push SET status = @pending, next_attempt_at = @now WHERE order_id = @order AND kind = @kind", cancellationToken,
                ("pending", (short)ErpPushStatus.Pending), ("now", now), ("order", orderId), ("kind", (short)kind));
            if (changed == 0) await EnqueueAsync(tx, orderId, orderNumber, kind, now, cancellationToken);
            return changed;
        }, cancellationToken);

    /// <summary>A value the plugin keeps (cursors, last runs, pause), or null.</summary>
    public async Task<string?> GetStateAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var values = await QueryAsync(connection, null, "SELECT value FROM erp_state WHERE name = @name", r => r.IsDBNull(0) ? null : r.GetString(0), cancellationToken, ("name", name));
        return values.Count > 0 ? values[0] : null;
    }

    /// <summary>Every value the plugin keeps.</summary>
    public async Task<Dictionary<string, string?>> GetStatesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var rows = await QueryAsync(connection, null, "SELECT name, value FROM erp_state", r => (r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1)), cancellationToken);
        return rows.ToDictionary(r => r.Item1, r => r.Item2, StringComparer.Ordinal);
    }

    /// <summary>Sets values the plugin keeps, together.</summary>
    public Task SetStatesAsync(DateTime now, CancellationToken cancellationToken, params (string Name, string? Value)[] values) =>
        database.InTransactionAsync(async tx =>
        {
            foreach (var (name, value) in values)
                await ExecuteAsync(tx.Connection!, tx, Dialect.Upsert("erp_state", ["name", "value", "updated_at"], ["@name", "@value", "@now"], ["name"], ["value", "updated_at"]),
                    cancellationToken, ("name", name), ("value", Trim(value)), ("now", now));
            return 0;
        }, cancellationToken);

    /// <summary>The last ERP version applied to each SKU of <paramref name="skuIds"/> for <paramref name="kind"/> (1 stock, 2 price).</summary>
    public async Task<Dictionary<long, long>> VersionsAsync(short kind, IReadOnlyCollection<long> skuIds, CancellationToken cancellationToken)
    {
        var versions = new Dictionary<long, long>();
        if (skuIds.Count == 0) return versions;
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        foreach (var chunk in skuIds.Chunk(100))
        {
            var names = chunk.Select((_, i) => "@s" + i.ToString(CultureInfo.InvariantCulture)).ToList();
            var parameters = chunk.Select((id, i) => ("s" + i.ToString(CultureInfo.InvariantCulture), (object?)id)).Append(("kind", (object?)kind)).ToArray();
            foreach (var (sku, version) in await QueryAsync(connection, null, $"SELECT sku_id, version FROM erp_sku_version WHERE kind = @kind AND sku_id IN ({string.Join(", ", names)})",
                         r => (r.GetInt64(0), r.GetInt64(1)), cancellationToken, parameters))
                versions[sku] = version;
        }
        return versions;
    }

    /// <summary>Records that the ERP's <paramref name="version"/> of a SKU is applied.</summary>
    public async Task SetVersionAsync(short kind, long skuId, long version, long value, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, null, Dialect.Upsert("erp_sku_version", ["sku_id", "kind", "version", "value", "updated_at"], ["@sku", "@kind", "@version", "@value", "@now"],
            ["sku_id", "kind"], ["version", "value", "updated_at"]), cancellationToken, ("sku", skuId), ("kind", kind), ("version", version), ("value", value), ("now", now));
    }

    /// <summary>Drops the plugin's tables (uninstall with its data).</summary>
    public async Task DropTablesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        foreach (var table in new[] { "erp_attempt", "erp_push", "erp_state", "erp_sku_version" })
            await ExecuteAsync(connection, null, $"DROP TABLE IF EXISTS {table}", cancellationToken);
    }

    private const string PushColumns = "p.id, p.order_id, p.order_number, p.kind, p.event_key, p.status, p.attempts, p.next_attempt_at, p.last_error, p.created_at, p.sent_at";

    private static ErpPush ReadPush(DbDataReader r) => new(r.GetInt64(0), r.GetInt64(1), r.GetString(2), (ErpEvent)Convert.ToInt16(r.GetValue(3), CultureInfo.InvariantCulture), r.GetString(4),
        (ErpPushStatus)Convert.ToInt16(r.GetValue(5), CultureInfo.InvariantCulture), r.GetInt32(6), Utc(r.GetDateTime(7)), r.IsDBNull(8) ? null : r.GetString(8), Utc(r.GetDateTime(9)),
        r.IsDBNull(10) ? null : Utc(r.GetDateTime(10)));

    private static string? Trim(string? text) => text is { Length: > 500 } ? text[..500] : text;
}
