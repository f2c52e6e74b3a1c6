using System.Data.Common;
using Mall.Clustering;
using Mall.Common;
using Mall.Data;
using Mall.Data.Migrations;
using static Mall.Data.MallSql;

namespace Mall.Plugins.FlashSale;

/// <summary>
/// Sessions and items, and the sale's ledger in the database: <c>flashsale_item.sold</c> and <c>reserved</c> (units in
/// paid and unpaid orders), each shopper's units (<c>flashsale_quota</c>) and one ticket row per order attempt. Every
/// change of them happens inside the order's own transaction, with conditional updates, so the database alone never
/// sells more than the flash stock or lets a shopper past the limit, whatever Redis says.
/// </summary>
public sealed class FlashSaleStore(IMallDatabase database, Mall.Catalog.IProductService products, Mall.Inventory.IInventoryService inventory, IClusterBus bus, TimeProvider clock)
{
    /// <summary>The cluster topic session changes are announced on (items are cached per node for a moment).</summary>
    public const string Topic = "Mall.Plugins.FlashSale.items";

    private const string ItemColumns = "i.id, i.session_id, i.sku_id, i.flash_price, i.flash_stock, i.per_shopper_limit, i.sold, i.reserved";
    private const string SessionColumns = "s.id, s.name, s.starts_at, s.ends_at, s.stackable";

    // Attempts read the item and its session on every call: kept here for a moment (and dropped on every node when a session changes).
    private readonly CachedSnapshot<IReadOnlyDictionary<long, (FlashItem Item, FlashSession Session)>> _live = new(clock, TimeSpan.FromSeconds(2), bus, Topic);

    /// <summary>Creates a session with its items after checking them (nothing is written when any is wrong).</summary>
    public async Task<FlashSession> CreateSessionAsync(FlashSessionInput input, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.Required("name", input.Name, 100);
        if (input.StartsAt is null) errors.Add("startsAt", "is required.");
        if (input.EndsAt is null) errors.Add("endsAt", "is required.");
        if (input.StartsAt is { } from && input.EndsAt is { } until)
        {
            if (until <= from) errors.Add("endsAt", "must be after startsAt.");
            else if (until - from > TimeSpan.FromDays(7)) errors.Add("endsAt", "is at most 7 days after startsAt.");
        }
        var items = input.Items ?? [];
        if (items.Count is 0 or > 50) errors.Add("items", "lists 1 to 50 SKUs.");
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is not { } item) { errors.Add($"items[{i}]", "is required."); continue; }
            if (item.SkuId <= 0) errors.Add($"items[{i}].skuId", "is required.");
            errors.Money($"items[{i}].flashPrice", item.FlashPrice);
            if (item.FlashPrice < 0.01m) errors.Add($"items[{i}].flashPrice", "is at least 0.01.");
            errors.Range($"items[{i}].flashStock", item.FlashStock, 1, 1_000_000);
            errors.Range($"items[{i}].perShopperLimit", item.PerShopperLimit, 1, 100);
        }
        if (items.Where(i => i is not null).GroupBy(i => i.SkuId).Any(g => g.Count() > 1)) errors.Add("items", "lists each SKU once.");
        errors.ThrowIfAny();

        // The catalog and the inventory say whether each SKU can be sold: on sale, above the flash price, with the stock.
        var skuIds = items.Select(i => i.SkuId).ToList();
        var known = await products.GetSkusAsync(skuIds, cancellationToken: cancellationToken);
        var stock = await inventory.GetLevelsAsync(skuIds, cancellationToken: cancellationToken);
        for (var i = 0; i < items.Count; i++)
        {
            if (!known.TryGetValue(items[i].SkuId, out var sku) || !sku.OnSale) errors.Add($"items[{i}].skuId", $"SKU {items[i].SkuId} does not exist or is not on sale.");
            else if (items[i].FlashPrice >= sku.Price) errors.Add($"items[{i}].flashPrice", $"is below the SKU's price {sku.Price:0.00}.");
            if (stock.TryGetValue(items[i].SkuId, out var level) && level.Available < items[i].FlashStock)
                errors.Add($"items[{i}].flashStock", $"is at most the SKU's available stock ({level.Available}).");
        }
        errors.ThrowIfAny();

        var id = await database.InTransactionAsync(async tx =>
        {
            var connection = tx.Connection!;
            var now = clock.GetUtcNow().UtcDateTime;
            var sessionId = await ScalarAsync(connection, tx, database.Dialect.InsertReturningId(
                "INSERT INTO flashsale_session (name, starts_at, ends_at, stackable, created_at, updated_at) VALUES (@name, @starts, @ends, @stackable, @now, @now)", "id"), cancellationToken,
                ("name", input.Name!.Trim()), ("starts", input.StartsAt!.Value.ToUniversalTime()), ("ends", input.EndsAt!.Value.ToUniversalTime()), ("stackable", input.Stackable), ("now", now));
            foreach (var item in items)
                await ExecuteAsync(connection, tx,
                    "INSERT INTO flashsale_item (session_id, sku_id, flash_price, flash_stock, per_shopper_limit, sold, reserved, created_at) VALUES (@session, @sku, @price, @stock, @limit, 0, 0, @now)",
                    cancellationToken, ("session", sessionId), ("sku", item.SkuId), ("price", Money.ToCents(item.FlashPrice)), ("stock", item.FlashStock), ("limit", item.PerShopperLimit), ("now", now));
            return sessionId;
        }, cancellationToken);
        await _live.InvalidateEverywhereAsync();
        return (await FindSessionAsync(id, cancellationToken))!;
    }

    /// <summary>
    /// Changes a running or coming session (see <see cref="FlashSessionChange"/>); every node sees the change at once.
    /// </summary>
    /// <exception cref="MallNotFoundException">No such session.</exception>
    /// <exception cref="MallConflictException">It has ended (<c>flashsale.ended</c>), or has opened and the change moves its opening (<c>flashsale.started</c>).</exception>
    public async Task<FlashSession> UpdateSessionAsync(long id, FlashSessionChange change, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (change.Name is not null) errors.Required("name", change.Name, 100);
        errors.ThrowIfAny();
        await database.InTransactionAsync(async tx =>
        {
            var (session, now) = await LockOpenSessionAsync(tx, id, cancellationToken);
            if (change.StartsAt is not null && session.StartsAt <= now)
                throw new MallConflictException($"Flash-sale session {id} has opened; its opening cannot move.") { Code = "flashsale.started" };
            var starts = change.StartsAt?.ToUniversalTime() ?? session.StartsAt;
            var ends = change.EndsAt?.ToUniversalTime() ?? session.EndsAt;
            if (ends <= starts) errors.Add(change.EndsAt is null ? "startsAt" : "endsAt", change.EndsAt is null ? "must be before endsAt." : "must be after startsAt.");
            else if (ends - starts > TimeSpan.FromDays(7)) errors.Add("endsAt", "is at most 7 days after startsAt.");
            if (change.EndsAt is not null && ends <= now) errors.Add("endsAt", "must be in the future (end a session now with its end endpoint).");
            errors.ThrowIfAny();
            await ExecuteAsync(tx.Connection!, tx, "UPDATE flashsale_session SET name = @name, starts_at = @starts, ends_at = @ends, stackable = @stackable, updated_at = @now WHERE id = @id",
                cancellationToken, ("name", change.Name?.Trim() ?? session.Name), ("starts", starts), ("ends", ends), ("stackable", change.Stackable ?? session.Stackable), ("now", now), ("id", id));
            return 0;
        }, cancellationToken);
        await _live.InvalidateEverywhereAsync();
        return (await FindSessionAsync(id, cancellationToken))!;
    }

    /// <summary>
    /// Ends a session now (one not opened yet never opens): attempts are refused on every node at once; attempts
    /// already admitted still become orders.
    /// </summary>
    /// <exception cref="MallNotFoundException">No such session.</exception>
    /// <exception cref="MallConflictException">It has ended already (<c>flashsale.ended</c>).</exception>
    public async Task<FlashSession> EndSessionAsync(long id, CancellationToken cancellationToken)
    {
        await database.InTransactionAsync(async tx =>
        {
            var (session, now) = await LockOpenSessionAsync(tx, id, cancellationToken);
            await ExecuteAsync(tx.Connection!, tx, "UPDATE flashsale_session SET starts_at = @starts, ends_at = @now, updated_at = @now WHERE id = @id",
                cancellationToken, ("starts", session.StartsAt < now ? session.StartsAt : now), ("now", now), ("id", id));
            return 0;
        }, cancellationToken);
        await _live.InvalidateEverywhereAsync();
        return (await FindSessionAsync(id, cancellationToken))!;
    }

    private async Task<(FlashSession Session, DateTime Now)> LockOpenSessionAsync(DbTransaction tx, long id, CancellationToken cancellationToken)
    {
        var session = (await QueryAsync(tx.Connection!, tx, $"SELECT {SessionColumns} FROM flashsale_session s WHERE s.id = @id{database.Dialect.ForUpdate}", ReadSession, cancellationToken, ("id", id))).SingleOrDefault()
            ?? throw new MallNotFoundException($"Flash-sale session {id} does not exist.");
        var now = clock.GetUtcNow().UtcDateTime;
        if (session.EndsAt <= now) throw new MallConflictException($"Flash-sale session {id} has ended.") { Code = "flashsale.ended" };
        return (session, now);
    }

    /// <summary>A session with its items and their counts, or null.</summary>
    public async Task<FlashSession?> FindSessionAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var session = (await QueryAsync(connection, null, $"SELECT {SessionColumns} FROM flashsale_session s WHERE s.id = @id", ReadSession, cancellationToken, ("id", id))).SingleOrDefault();
        if (session is null) return null;
        var items = await QueryAsync(connection, null, $"SELECT {ItemColumns} FROM flashsale_item i WHERE i.session_id = @id ORDER BY i.id", ReadItem, cancellationToken, ("id", id));
        return session with { Items = items };
    }

    /// <summary>The newest sessions (at most 100), with their items and counts, for the console's list.</summary>
    public async Task<IReadOnlyList<FlashSession>> ListRecentAsync(CancellationToken cancellationToken)
    {
        List<long> ids;
        await using (var connection = await database.OpenConnectionAsync(cancellationToken))
            ids = (await QueryAsync(connection, null, $"SELECT s.id FROM flashsale_session s ORDER BY s.id DESC {database.Dialect.Page("0", "100")}", r => r.GetInt64(0), cancellationToken)).ToList();
        var sessions = new List<FlashSession>(ids.Count);
        foreach (var id in ids)
            if (await FindSessionAsync(id, cancellationToken) is { } session) sessions.Add(session);
        return sessions;
    }

    /// <summary>Sessions running now or starting within a day, with their items.</summary>
    public async Task<IReadOnlyList<FlashSession>> ListCurrentAsync(CancellationToken cancellationToken)
    {
        var all = await LiveAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        return all.Values.GroupBy(v => v.Session.Id).Select(g => g.First().Session with { Items = g.Select(v => v.Item).OrderBy(i => i.Id).ToList() })
            .Where(s => s.EndsAt > now && s.StartsAt < now.AddDays(1)).OrderBy(s => s.StartsAt).ToList();
    }

    /// <summary>An item and its session, from the short-lived snapshot (attempts read it on every call), or null.</summary>
    public async Task<(FlashItem Item, FlashSession Session)?> FindLiveItemAsync(long itemId, CancellationToken cancellationToken) =>
        (await LiveAsync(cancellationToken)).TryGetValue(itemId, out var found) ? found : null;

    /// <summary>The items (of sessions not ended more than a day ago) selling <paramref name="skuId"/>.</summary>
    public async Task<IReadOnlyList<(FlashItem Item, FlashSession Session)>> ForSkuAsync(long skuId, CancellationToken cancellationToken) =>
        (await LiveAsync(cancellationToken)).Values.Where(v => v.Item.SkuId == skuId).ToList();

    /// <summary>Every item of sessions not ended more than a day ago.</summary>
    public async Task<IReadOnlyList<(FlashItem Item, FlashSession Session)>> RecentItemsAsync(CancellationToken cancellationToken) =>
        (await LiveAsync(cancellationToken)).Values.ToList();

    private Task<IReadOnlyDictionary<long, (FlashItem Item, FlashSession Session)>> LiveAsync(CancellationToken cancellationToken) =>
        _live.GetAsync(async ct =>
        {
            await using var connection = await database.OpenConnectionAsync(ct);
            var rows = await QueryAsync(connection, null,
                $"SELECT {ItemColumns}, {SessionColumns} FROM flashsale_item i JOIN flashsale_session s ON s.id = i.session_id WHERE s.ends_at > @since",
                r => (Item: ReadItem(r), Session: ReadSession(r, 8)), ct, ("since", clock.GetUtcNow().UtcDateTime.AddDays(-1)));
            return (IReadOnlyDictionary<long, (FlashItem, FlashSession)>)rows.ToDictionary(r => r.Item.Id, r => (r.Item, r.Session));
        }, cancellationToken);

    /// <summary>The item with its current counts, read in <paramref name="tx"/> (or on its own connection).</summary>
    internal static async Task<(FlashItem Item, FlashSession Session)?> ReadItemAsync(DbConnection connection, DbTransaction? tx, long itemId, CancellationToken cancellationToken) =>
        (await QueryAsync(connection, tx, $"SELECT {ItemColumns}, {SessionColumns} FROM flashsale_item i JOIN flashsale_session s ON s.id = i.session_id WHERE i.id = @id",
            r => (ReadItem(r), ReadSession(r, 8)), cancellationToken, ("id", itemId))).Cast<(FlashItem, FlashSession)?>().SingleOrDefault();

    // ---- The ledger, inside an order's transaction ----

    /// <summary>
    /// Claims <paramref name="quantity"/> units of the sale for an order being placed: the item's reserved units and the
    /// shopper's units, each by a conditional update, and the ticket row. Refuses (conflict) when the sale or the
    /// shopper's limit has no room; the order then rolls back with everything else.
    /// </summary>
    internal async Task ClaimAsync(DbTransaction tx, FlashItem item, long customerId, int quantity, string ticket, string attemptKey, long orderId, CancellationToken cancellationToken)
    {
        var connection = tx.Connection!;
        var now = clock.GetUtcNow().UtcDateTime;
        if (await ExecuteAsync(connection, tx, "UPDATE flashsale_item SET reserved = reserved + @q WHERE id = @id AND sold + reserved + @q <= flash_stock", cancellationToken,
                ("q", quantity), ("id", item.Id)) != 1)
            throw new MallConflictException("The flash sale is sold out.") { Code = "flashsale.sold_out" };
        await ExecuteAsync(connection, tx, database.Dialect.InsertIgnoreDuplicate("flashsale_quota", ["item_id", "customer_id", "units"], ["@item", "@customer", "0"], ["item_id", "customer_id"]),
            cancellationToken, ("item", item.Id), ("customer", customerId));
        if (await ExecuteAsync(connection, tx, "UPDATE flashsale_quota SET units = units + @q WHERE item_id = @item AND customer_id = @customer AND units + @q <= @limit", cancellationToken,
                ("q", quantity), ("item", item.Id), ("customer", customerId), ("limit", item.PerShopperLimit)) != 1)
            throw new MallConflictException($"At most {item.PerShopperLimit} per shopper in this flash sale.") { Code = "flashsale.limit" };
        await ExecuteAsync(connection, tx,
            "INSERT INTO flashsale_ticket (ticket, item_id, customer_id, attempt_key, quantity, status, order_id, error, returned, created_at, updated_at) " +
            "VALUES (@ticket, @item, @customer, @key, @q, @status, @order, NULL, FALSE, @now, @now)", cancellationToken,
            ("ticket", ticket), ("item", item.Id), ("customer", customerId), ("key", attemptKey), ("q", quantity), ("status", (short)TicketStatus.Ordered), ("order", orderId), ("now", now));
    }

    /// <summary>An unpaid order of the sale is cancelled (in its transaction): its units go back to the item and the shopper, once.</summary>
    internal async Task<TicketRow?> ReleaseAsync(DbTransaction tx, long orderId, CancellationToken cancellationToken)
    {
        var connection = tx.Connection!;
        if (await TicketOfOrderAsync(connection, tx, orderId, cancellationToken) is not { Status: TicketStatus.Ordered } ticket) return null;
        if (await ExecuteAsync(connection, tx, "UPDATE flashsale_ticket SET status = @released, updated_at = @now WHERE id = @id AND status = @ordered", cancellationToken,
                ("released", (short)TicketStatus.Released), ("now", clock.GetUtcNow().UtcDateTime), ("id", ticket.Id), ("ordered", (short)TicketStatus.Ordered)) != 1) return null;
        await ExecuteAsync(connection, tx, "UPDATE flashsale_item SET reserved = reserved - @q WHERE id = @item", cancellationToken, ("q", ticket.Quantity), ("item", ticket.ItemId));
        await ExecuteAsync(connection, tx, "UPDATE flashsale_quota SET units = units - @q WHERE item_id = @item AND customer_id = @customer", cancellationToken,
            ("q", ticket.Quantity), ("item", ticket.ItemId), ("customer", ticket.CustomerId));
        return ticket;
    }

    /// <summary>An order of the sale is paid (in its transaction): its units move from reserved to sold.</summary>
    internal async Task SettleAsync(DbTransaction tx, long orderId, CancellationToken cancellationToken)
    {
        var connection = tx.Connection!;
        if (await TicketOfOrderAsync(connection, tx, orderId, cancellationToken) is not { Status: TicketStatus.Ordered } ticket) return;
        if (await ExecuteAsync(connection, tx, "UPDATE flashsale_ticket SET status = @paid, updated_at = @now WHERE id = @id AND status = @ordered", cancellationToken,
                ("paid", (short)TicketStatus.Paid), ("now", clock.GetUtcNow().UtcDateTime), ("id", ticket.Id), ("ordered", (short)TicketStatus.Ordered)) != 1) return;
        await ExecuteAsync(connection, tx, "UPDATE flashsale_item SET reserved = reserved - @q, sold = sold + @q WHERE id = @item", cancellationToken, ("q", ticket.Quantity), ("item", ticket.ItemId));
    }

    /// <summary>Records a queued ticket whose order could not be placed (once; a second call finds the row).</summary>
    internal async Task<bool> RecordFailedAsync(string ticket, long itemId, long customerId, string attemptKey, int quantity, string error, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        return await ExecuteAsync(connection, null, database.Dialect.InsertIgnoreDuplicate("flashsale_ticket",
                ["ticket", "item_id", "customer_id", "attempt_key", "quantity", "status", "order_id", "error", "returned", "created_at", "updated_at"],
                ["@ticket", "@item", "@customer", "@key", "@q", "@status", "NULL", "@error", "FALSE", "@now", "@now"], ["ticket"]), cancellationToken,
            ("ticket", ticket), ("item", itemId), ("customer", customerId), ("key", attemptKey), ("q", quantity), ("status", (short)TicketStatus.Failed),
            ("error", error.Length <= 200 ? error : error[..200]), ("now", now)) == 1;
    }

    /// <summary>A ticket's row, or null while it is only queued.</summary>
    public async Task<TicketRow?> FindTicketAsync(string ticket, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return (await QueryAsync(connection, null, $"SELECT {TicketColumns} FROM flashsale_ticket WHERE ticket = @ticket", ReadTicket, cancellationToken, ("ticket", ticket))).SingleOrDefault();
    }

    /// <summary>Tickets whose units went back in the database (failed, released) but not yet to Redis.</summary>
    internal async Task<IReadOnlyList<TicketRow>> UnreturnedAsync(long itemId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await QueryAsync(connection, null,
            $"SELECT {TicketColumns} FROM flashsale_ticket WHERE item_id = @item AND returned = FALSE AND status IN ({(short)TicketStatus.Failed}, {(short)TicketStatus.Released}) AND ticket NOT LIKE 'db-%'",
            ReadTicket, cancellationToken, ("item", itemId));
    }

    /// <summary>Marks a ticket's units as given back to Redis.</summary>
    internal async Task MarkReturnedAsync(long ticketId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, null, "UPDATE flashsale_ticket SET returned = TRUE WHERE id = @id", cancellationToken, ("id", ticketId));
    }

    /// <summary>The ticket of an order, or null.</summary>
    internal async Task<TicketRow?> TicketOfOrderAsync(long orderId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await TicketOfOrderAsync(connection, null, orderId, cancellationToken);
    }

    /// <summary>What each shopper holds of an item (to rebuild Redis).</summary>
    internal async Task<IReadOnlyList<(long CustomerId, int Units)>> QuotasAsync(long itemId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await QueryAsync(connection, null, "SELECT customer_id, units FROM flashsale_quota WHERE item_id = @item AND units > 0", r => (r.GetInt64(0), r.GetInt32(1)), cancellationToken, ("item", itemId));
    }

    /// <summary>The item's counts now, from the database.</summary>
    internal async Task<FlashItem?> CountsAsync(long itemId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return (await ReadItemAsync(connection, null, itemId, cancellationToken))?.Item;
    }

    /// <summary>Drops the plugin's tables (uninstall with its data).</summary>
    public async Task DropTablesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        foreach (var table in new[] { "flashsale_ticket", "flashsale_quota", "flashsale_item", "flashsale_session" })
            await ExecuteAsync(connection, null, $"DROP TABLE IF EXISTS {table}", cancellationToken);
    }

    private static async Task<TicketRow?> TicketOfOrderAsync(DbConnection connection, DbTransaction? tx, long orderId, CancellationToken cancellationToken) =>
        (await QueryAsync(connection, tx, $"SELECT {TicketColumns} FROM flashsale_ticket WHERE order_id = @order", ReadTicket, cancellationToken, ("order", orderId))).SingleOrDefault();

    private const string TicketColumns = "id, ticket, item_id, customer_id, quantity, status, order_id, error";

    private static TicketRow ReadTicket(DbDataReader r) => new(r.GetInt64(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), r.GetInt32(4), (TicketStatus)r.GetInt16(5),
        r.IsDBNull(6) ? null : r.GetInt64(6), r.IsDBNull(7) ? null : r.GetString(7));

    private static FlashItem ReadItem(DbDataReader r) =>
        new(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), Money.FromCents(r.GetInt64(3)), r.GetInt32(4), r.GetInt32(5), r.GetInt32(6), r.GetInt32(7));

    private static FlashSession ReadSession(DbDataReader r) => ReadSession(r, 0);

    private static FlashSession ReadSession(DbDataReader r, int at) =>
        new(r.GetInt64(at), r.GetString(at + 1), Utc(r.GetDateTime(at + 2)), Utc(r.GetDateTime(at + 3)), r.GetBoolean(at + 4), []);

    /// <summary>The plugin's tables.</summary>
    internal sealed class CreateTables : Migration
    {
        public override long Version => 1;

        public override string Name => "Flash-sale sessions, items, per-shopper units and tickets";

        public override void Up(MigrationBuilder builder)
        {
            builder.CreateTable("flashsale_session", t => t
                .Id().String("name", 100).DateTime("starts_at").DateTime("ends_at").Bool("stackable").DateTime("created_at").DateTime("updated_at"));
            builder.CreateIndex("ix_flashsale_session_ends", "flashsale_session", ["ends_at"]);
            // The database's own guard: whatever happens elsewhere, sold and reserved units never exceed the flash stock.
            builder.CreateTable("flashsale_item", t => t
                .Id().BigInt("session_id").BigInt("sku_id").BigInt("flash_price").Int("flash_stock").Int("per_shopper_limit").Int("sold").Int("reserved").DateTime("created_at")
                .Check("ck_flashsale_item_units", "sold >= 0 AND reserved >= 0 AND sold + reserved <= flash_stock"));
            builder.CreateIndex("ux_flashsale_item_sku", "flashsale_item", ["session_id", "sku_id"], unique: true);
            builder.CreateTable("flashsale_quota", t => t.BigInt("item_id").BigInt("customer_id").Int("units").PrimaryKey("item_id", "customer_id"));
            builder.CreateTable("flashsale_ticket", t => t
                .Id().String("ticket", 40).BigInt("item_id").BigInt("customer_id").String("attempt_key", 64).Int("quantity").SmallInt("status")
                .BigInt("order_id", nullable: true).String("error", 200, nullable: true).Bool("returned").DateTime("created_at").DateTime("updated_at"));
            builder.CreateIndex("ux_flashsale_ticket", "flashsale_ticket", ["ticket"], unique: true);
            builder.CreateIndex("ux_flashsale_ticket_attempt", "flashsale_ticket", ["item_id", "customer_id", "attempt_key"], unique: true);
            builder.CreateIndex("ix_flashsale_ticket_order", "flashsale_ticket", ["order_id"]);
            builder.CreateIndex("ix_flashsale_ticket_item", "flashsale_ticket", ["item_id", "status"]);
        }
    }
}

/// <summary>A ticket's row.</summary>
public sealed record TicketRow(long Id, string Ticket, long ItemId, long CustomerId, int Quantity, TicketStatus Status, long? OrderId, string? Error);
