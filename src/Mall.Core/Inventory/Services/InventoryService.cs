using System.Data.Common;
using Dapper;
using Mall.Common;
using Mall.Data;
using Mall.Events;

namespace Mall.Inventory.Services;

/// <summary>Default <see cref="IInventoryService"/> over the Mall database.</summary>
internal sealed class InventoryService(IMallDatabase database, IDomainEventDispatcher events, Mall.Outbox.IOutbox outbox, Mall.Auditing.IAuditContext audit, TimeProvider clock) : IInventoryService
{
    private const string LevelColumns =
        "sku_id AS SkuId, received AS Received, available AS Available, reserved AS Reserved, sold AS Sold, low_stock_threshold AS LowStockThreshold";

    private const int MaxReferenceLength = 100;
    private const int MaxLines = 500;

    private ISqlDialect Dialect => database.Dialect;

    /// <inheritdoc />
    public async Task<StockLevel> GetAsync(long skuId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await GetLevelAsync(connection, null, skuId, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<long, StockLevel>> GetLevelsAsync(IReadOnlyCollection<long> skuIds, DbTransaction? transaction = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(skuIds);
        if (skuIds.Count > 1000) throw new ArgumentOutOfRangeException(nameof(skuIds), skuIds.Count, "At most 1,000 SKUs per call.");
        if (skuIds.Count == 0) return new Dictionary<long, StockLevel>();
        var ids = skuIds.Distinct().ToList();
        var levels = await database.ReadAsync(transaction?.Connection, transaction, (connection, tx) => connection.QueryAsync<StockLevel>(new CommandDefinition(
            $"SELECT {LevelColumns} FROM mall_inventory WHERE {database.Dialect.InList("sku_id", "@ids")}", new { ids }, tx, cancellationToken: cancellationToken)), cancellationToken).ConfigureAwait(false);
        return levels.ToDictionary(l => l.SkuId);
    }

    /// <inheritdoc />
    public async Task<StockReservation> ReserveAsync(string reference, IReadOnlyList<StockLine> lines, CancellationToken cancellationToken = default)
    {
        StockReservationResult result;
        try
        {
            result = await database.InTransactionAsync(tx => ReserveAsync(tx, reference, lines, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Dialect.IsUniqueViolation(ex))
        {
            // The same reference was reserved concurrently and won; ours rolled back. Answer as a replay.
            return (await FindReservationAsync(reference, cancellationToken).ConfigureAwait(false))! with { Replayed = true };
        }
        await RaiseLowStockAsync(result.LowStockCrossed, cancellationToken).ConfigureAwait(false);
        return result.Reservation;
    }

    /// <inheritdoc />
    public async Task<StockReservationResult> ReserveAsync(DbTransaction transaction, string reference, IReadOnlyList<StockLine> lines, CancellationToken cancellationToken = default)
    {
        ValidateReservation(reference, lines);
        // A repeated reference answers with the first result, whatever stock is left now.
        var existing = await LoadLinesAsync(transaction.Connection!, transaction, reference, lockRows: false, cancellationToken).ConfigureAwait(false);
        if (existing.Count > 0) return new StockReservationResult(new StockReservation(reference, existing, true), []);
        return await HoldAsync(transaction, reference, lines, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<StockReservationResult> ReserveNewAsync(DbTransaction transaction, string reference, IReadOnlyList<StockLine> lines, CancellationToken cancellationToken = default) =>
        HoldAsync(transaction, reference, lines, cancellationToken);

    /// <summary>
    /// <see cref="ReserveNewAsync"/> as statements for a command of the caller's, so that the reservation travels in
    /// the same round trip as the caller's own writes (checkout: with the order).
    /// </summary>
    internal ReservationStatements PrepareNew(string reference, IReadOnlyList<StockLine> lines) =>
        new(Dialect, reference, lines, clock.GetUtcNow().UtcDateTime);

    private async Task<StockReservationResult> HoldAsync(DbTransaction transaction, string reference, IReadOnlyList<StockLine> lines, CancellationToken cancellationToken)
    {
        var statements = PrepareNew(reference, lines);
        var sql = new System.Text.StringBuilder();
        var parameters = new DynamicParameters();
        statements.AppendTo(sql, parameters);
        await using var reader = await transaction.Connection!.ExecuteReaderAsync(
            new CommandDefinition(sql.ToString(), parameters, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return statements.Read(await ResultRows.ReadFirstRowsAsync(reader, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// The statements that reserve a new reference's lines, written into a command of the caller's (one round trip
    /// together with whatever else it sends), and the reading of their results. Per SKU, in id order so that two
    /// multi-line reservations never deadlock: the conditional update with its count (the one statement that makes
    /// overselling impossible), the reservation, the ledger entry and the level after. The inserts run even when an
    /// update reserved nothing; <see cref="Read"/> then refuses and the caller's transaction undoes them.
    /// </summary>
    internal sealed class ReservationStatements
    {
        private readonly ISqlDialect _dialect;
        private readonly string _reference;
        private readonly DateTime _now;
        private readonly List<StockLine> _merged;

        internal ReservationStatements(ISqlDialect dialect, string reference, IReadOnlyList<StockLine> lines, DateTime now)
        {
            ValidateReservation(reference, lines);
            _dialect = dialect;
            _reference = reference;
            _now = now;
            _merged = lines.GroupBy(l => l.SkuId).Select(g => new StockLine(g.Key, g.Sum(l => l.Quantity))).OrderBy(l => l.SkuId).ToList();
        }

        /// <summary>How many result rows (one per result set) <see cref="AppendTo"/> adds: a count and a level per SKU.</summary>
        internal int ResultCount => _merged.Count * 2;

        /// <summary>Appends the statements (each after a <c>;</c> when <paramref name="sql"/> has text) and their parameters (names start with <c>r</c>).</summary>
        internal void AppendTo(System.Text.StringBuilder sql, DynamicParameters parameters)
        {
            parameters.Add("rref", _reference);
            parameters.Add("rnow", _now);
            parameters.Add("rstatus", (int)ReservationStatus.Reserved);
            parameters.Add("rkind", (int)StockMovementKind.Reserve);
            for (var i = 0; i < _merged.Count; i++)
            {
                parameters.Add($"rs{i}", _merged[i].SkuId);
                parameters.Add($"rq{i}", (long)_merged[i].Quantity);
                if (sql.Length > 0) sql.Append(';');
                sql.Append(_dialect.CountedUpdate(
                        $"UPDATE mall_inventory SET available = available - @rq{i}, reserved = reserved + @rq{i}, updated_at = @rnow WHERE sku_id = @rs{i} AND available >= @rq{i}"))
                    .Append($";INSERT INTO mall_stock_reservation (reference, sku_id, quantity, status, created_at, updated_at) VALUES (@rref, @rs{i}, @rq{i}, @rstatus, @rnow, @rnow);")
                    .Append(MovementInsertSql(_dialect, skuId: $"@rs{i}", kind: "@rkind", reference: "@rref", quantity: $"@rq{i}", reason: "NULL", now: "@rnow"))
                    .Append($";SELECT {LevelColumns} FROM mall_inventory WHERE sku_id = @rs{i}");
            }
        }

        /// <summary>Reads the <see cref="ResultCount"/> rows the statements answered; refuses when a line could not be reserved.</summary>
        internal StockReservationResult Read(IReadOnlyList<object?[]?> rows)
        {
            if (rows.Count != ResultCount) throw new InvalidOperationException($"The reservation answered {rows.Count} results, {ResultCount} expected.");
            var lowStock = new List<StockLevel>();
            for (var i = 0; i < _merged.Count; i++)
            {
                var line = _merged[i];
                var updated = rows[2 * i] is { } count ? Long(count[0]) : 0;
                var after = rows[2 * i + 1] is { } level ? ReadLevel(level) : null;
                if (updated == 0)
                {
                    var available = after?.Available ?? throw new MallNotFoundException($"SKU {line.SkuId} has no stock record.");
                    throw new MallConflictException($"SKU {line.SkuId} has {available} available, {line.Quantity} requested.") { Code = "stock.insufficient" };
                }
                if (CrossedThreshold(after!, line.Quantity)) lowStock.Add(after!);
            }
            var reservation = new StockReservation(_reference, _merged.Select(l => new StockReservationLine(l.SkuId, l.Quantity, ReservationStatus.Reserved)).ToList(), false);
            return new StockReservationResult(reservation, lowStock);
        }
    }

    private static StockLevel ReadLevel(object?[] row) => new()
    {
        SkuId = Long(row[0]), Received = Long(row[1]), Available = Long(row[2]), Reserved = Long(row[3]), Sold = Long(row[4]), LowStockThreshold = (int)Long(row[5]),
    };

    private static long Long(object? value) => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public Task<StockReservation> CommitAsync(string reference, CancellationToken cancellationToken = default) =>
        database.InTransactionAsync(tx => SettleAsync(tx, reference, ReservationStatus.Committed, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<StockReservation> ReleaseAsync(string reference, CancellationToken cancellationToken = default) =>
        database.InTransactionAsync(tx => SettleAsync(tx, reference, ReservationStatus.Released, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<StockReservation> CommitAsync(DbTransaction transaction, string reference, CancellationToken cancellationToken = default) =>
        SettleAsync(transaction, reference, ReservationStatus.Committed, cancellationToken);

    /// <inheritdoc />
    public Task<StockReservation> ReleaseAsync(DbTransaction transaction, string reference, CancellationToken cancellationToken = default) =>
        SettleAsync(transaction, reference, ReservationStatus.Released, cancellationToken);

    /// <summary>Moves every line of a reservation from Reserved to <paramref name="target"/>, exactly once.</summary>
    private async Task<StockReservation> SettleAsync(DbTransaction tx, string reference, ReservationStatus target, CancellationToken cancellationToken)
    {
        ValidateReference(reference);
        var connection = tx.Connection!;
        var lines = await LoadLinesAsync(connection, tx, reference, lockRows: true, cancellationToken).ConfigureAwait(false);
        if (lines.Count == 0) throw new MallNotFoundException($"No stock reservation with reference '{reference}'.");
        if (lines.All(l => l.Status == target)) return new StockReservation(reference, lines, true);
        var other = lines.FirstOrDefault(l => l.Status != target && l.Status != ReservationStatus.Reserved);
        if (other is not null)
            throw new MallConflictException($"Reservation '{reference}' is {other.Status.ToString().ToLowerInvariant()} and cannot be {target.ToString().ToLowerInvariant()}.") { Code = "stock.reservation_settled" };

        var now = clock.GetUtcNow().UtcDateTime;
        var kind = target == ReservationStatus.Committed ? StockMovementKind.Commit : StockMovementKind.Release;
        var inventoryUpdate = target == ReservationStatus.Committed
            ? "UPDATE mall_inventory SET reserved = reserved - @Quantity, sold = sold + @Quantity, updated_at = @now WHERE sku_id = @SkuId AND reserved >= @Quantity"
            : "UPDATE mall_inventory SET reserved = reserved - @Quantity, available = available + @Quantity, updated_at = @now WHERE sku_id = @SkuId AND reserved >= @Quantity";
        foreach (var line in lines.Where(l => l.Status == ReservationStatus.Reserved).OrderBy(l => l.SkuId))
        {
            // Conditional on the old status: of two concurrent settlements only one changes the line.
            var claimed = await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE mall_stock_reservation SET status = @target, updated_at = @now WHERE reference = @reference AND sku_id = @SkuId AND status = @reserved",
                new { target, now, reference, line.SkuId, reserved = ReservationStatus.Reserved }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (claimed == 0) throw new MallConflictException($"Reservation '{reference}' changed concurrently; retry.") { Code = "stock.concurrent_change" };
            var moved = await connection.ExecuteAsync(new CommandDefinition(inventoryUpdate, new { line.SkuId, line.Quantity, now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (moved == 0) throw new InvalidOperationException($"Inventory of SKU {line.SkuId} holds less reserved stock than reservation '{reference}'.");
            await InsertMovementAsync(tx, line.SkuId, kind, reference, line.Quantity, null, now, cancellationToken).ConfigureAwait(false);
        }
        return new StockReservation(reference, lines.Select(l => l with { Status = target }).ToList(), false);
    }

    /// <inheritdoc />
    public async Task<StockReservation?> FindReservationAsync(string reference, CancellationToken cancellationToken = default)
    {
        ValidateReference(reference);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var lines = await LoadLinesAsync(connection, null, reference, lockRows: false, cancellationToken).ConfigureAwait(false);
        return lines.Count == 0 ? null : new StockReservation(reference, lines, false);
    }

    /// <inheritdoc />
    public async Task<StockLevel> AdjustAsync(StockAdjustment adjustment, CancellationToken cancellationToken = default)
    {
        ValidateAdjustment(adjustment);
        var result = await database.InTransactionAsync(tx => AdjustInAsync(tx, adjustment, alone: true, cancellationToken), cancellationToken).ConfigureAwait(false);
        await RaiseLowStockAsync(result.LowStockCrossed, cancellationToken).ConfigureAwait(false);
        return result.Level;
    }

    /// <inheritdoc />
    public Task<StockAdjustmentResult> AdjustAsync(DbTransaction transaction, StockAdjustment adjustment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ValidateAdjustment(adjustment);
        return AdjustInAsync(transaction, adjustment, alone: false, cancellationToken);
    }

    private static void ValidateAdjustment(StockAdjustment adjustment)
    {
        ArgumentNullException.ThrowIfNull(adjustment);
        var errors = new ValidationErrors();
        if (adjustment.SkuId <= 0) errors.Add("skuId", "is required.");
        if (adjustment.Delta == 0) errors.Add("delta", "must not be zero.");
        errors.Range("delta", adjustment.Delta, -1_000_000_000, 1_000_000_000);
        errors.Required("reason", adjustment.Reason, 500);
        errors.Required("reference", adjustment.Reference, MaxReferenceLength);
        errors.ThrowIfAny();
    }

    // Alone, the adjustment is the audited request's entity; within a larger change (a bulk edit) it is one of its fields.
    private async Task<StockAdjustmentResult> AdjustInAsync(DbTransaction tx, StockAdjustment adjustment, bool alone, CancellationToken cancellationToken)
    {
        var connection = tx.Connection!;
        var now = clock.GetUtcNow().UtcDateTime;
        var before = await FindLevelAsync(connection, tx, adjustment.SkuId, cancellationToken).ConfigureAwait(false)
            ?? throw new MallNotFoundException($"SKU {adjustment.SkuId} has no stock record.");
        // Ledger first: a repeated reference inserts nothing and changes nothing.
        var inserted = await InsertMovementAsync(tx, adjustment.SkuId, StockMovementKind.Adjust, adjustment.Reference.Trim(), adjustment.Delta, adjustment.Reason.Trim(), now, cancellationToken).ConfigureAwait(false);
        if (inserted == 0) return new StockAdjustmentResult(await GetLevelAsync(connection, tx, adjustment.SkuId, cancellationToken).ConfigureAwait(false), true, []);
        var updated = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE mall_inventory SET available = available + @Delta, received = received + @Delta, updated_at = @now WHERE sku_id = @SkuId AND available + @Delta >= 0",
            new { adjustment.SkuId, adjustment.Delta, now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (updated == 0)
            throw new MallConflictException($"SKU {adjustment.SkuId} has {before.Available} available; removing {-adjustment.Delta} would make it negative.") { Code = "stock.insufficient" };
        var after = await GetLevelAsync(connection, tx, adjustment.SkuId, cancellationToken).ConfigureAwait(false);
        if (audit.Current is { } entry)
        {
            var sku = adjustment.SkuId.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (alone) entry.SetEntity("sku", sku);
            entry.Change(alone ? "available" : $"skus[{sku}].available", before.Available, after.Available);
        }
        await outbox.AddAsync(tx, Mall.Outbox.MallEventTypes.StockChanged, $"sku:{adjustment.SkuId}",
            new StockChangedData(adjustment.SkuId, adjustment.Delta, after.Available, adjustment.Reason.Trim(), adjustment.Reference.Trim()), cancellationToken).ConfigureAwait(false);
        return new StockAdjustmentResult(after, false, adjustment.Delta < 0 && CrossedThreshold(after, -adjustment.Delta) ? [after] : []);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<StockLevel>> ListLowStockAsync(int take, CancellationToken cancellationToken = default)
    {
        var errors = new ValidationErrors();
        errors.Range("take", take, 1, 100);
        errors.ThrowIfAny();
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<StockLevel>(new CommandDefinition(
            $"SELECT {LevelColumns} FROM mall_inventory WHERE low_stock_threshold > 0 AND available <= low_stock_threshold ORDER BY available, sku_id {database.Dialect.Page("0", "@take")}",
            new { take }, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
    }

    /// <inheritdoc />
    public async Task<StockLevel> SetLowStockThresholdAsync(long skuId, int threshold, CancellationToken cancellationToken = default)
    {
        var errors = new ValidationErrors();
        errors.Range("lowStockThreshold", threshold, 0, 100_000_000);
        errors.ThrowIfAny();
        return await database.InTransactionAsync(async tx =>
        {
            var updated = await tx.Connection!.ExecuteAsync(new CommandDefinition(
                "UPDATE mall_inventory SET low_stock_threshold = @threshold, updated_at = @now WHERE sku_id = @skuId",
                new { skuId, threshold, now = clock.GetUtcNow().UtcDateTime }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (updated == 0) throw new MallNotFoundException($"SKU {skuId} has no stock record.");
            return await GetLevelAsync(tx.Connection!, tx, skuId, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<PagedResult<StockMovement>> GetMovementsAsync(long skuId, int page, int pageSize, CancellationToken cancellationToken = default)
    {
        var errors = new ValidationErrors();
        Paging.Validate(errors, page, pageSize);
        errors.ThrowIfAny();
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await GetLevelAsync(connection, null, skuId, cancellationToken).ConfigureAwait(false);
        using var grid = await connection.QueryMultipleAsync(new CommandDefinition(
            "SELECT id AS Id, sku_id AS SkuId, kind AS Kind, reference AS Reference, quantity AS Quantity, reason AS Reason, created_at AS CreatedAt " +
            $"FROM mall_stock_movement WHERE sku_id = @skuId ORDER BY id DESC {Dialect.Page("@skip", "@take")};" +
            "SELECT COUNT(*) FROM mall_stock_movement WHERE sku_id = @skuId",
            new { skuId, skip = (page - 1) * pageSize, take = pageSize }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var rows = (await grid.ReadAsync<MovementRow>().ConfigureAwait(false)).Select(r => r.ToMovement()).ToList();
        var total = await grid.ReadSingleAsync<long>().ConfigureAwait(false);
        return new PagedResult<StockMovement>(rows, page, pageSize, total);
    }

    /// <summary>Creates the stock record of a new SKU, with its initial stock as a first adjustment.</summary>
    internal static async Task InitializeAsync(DbTransaction tx, ISqlDialect dialect, long skuId, int stock, int lowStockThreshold, DateTime now, CancellationToken cancellationToken)
    {
        await tx.Connection!.ExecuteAsync(new CommandDefinition(
            "INSERT INTO mall_inventory (sku_id, received, available, reserved, sold, low_stock_threshold, updated_at) VALUES (@skuId, @stock, @stock, 0, 0, @lowStockThreshold, @now)",
            new { skuId, stock, lowStockThreshold, now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (stock > 0)
        {
            await tx.Connection!.ExecuteAsync(new CommandDefinition(
                MovementInsertSql(dialect),
                new { skuId, kind = StockMovementKind.Adjust, reference = "initial", quantity = (long)stock, reason = "Initial stock", now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>Ledger insert that does nothing for a repeated (SKU, kind, reference); the values are SQL expressions (parameters by default).</summary>
    private static string MovementInsertSql(ISqlDialect dialect, string skuId = "@skuId", string kind = "@kind", string reference = "@reference",
        string quantity = "@quantity", string reason = "@reason", string now = "@now") =>
        dialect.InsertIgnoreDuplicate("mall_stock_movement", ["sku_id", "kind", "reference", "quantity", "reason", "created_at"],
            [skuId, kind, reference, quantity, reason, now], ["sku_id", "kind", "reference"]);

    private string MovementInsert => MovementInsertSql(Dialect);

    private Task<int> InsertMovementAsync(DbTransaction tx, long skuId, StockMovementKind kind, string reference, long quantity, string? reason, DateTime now, CancellationToken cancellationToken) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition(MovementInsert, new { skuId, kind, reference, quantity, reason, now }, tx, cancellationToken: cancellationToken));

    private async Task<List<StockReservationLine>> LoadLinesAsync(DbConnection connection, DbTransaction? tx, string reference, bool lockRows, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<(long SkuId, int Quantity, short Status)>(new CommandDefinition(
            $"SELECT sku_id, quantity, status FROM mall_stock_reservation WHERE reference = @reference ORDER BY sku_id{(lockRows ? Dialect.ForUpdate : "")}",
            new { reference }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => new StockReservationLine(r.SkuId, r.Quantity, (ReservationStatus)r.Status)).ToList();
    }

    private static async Task<StockLevel> GetLevelAsync(DbConnection connection, DbTransaction? tx, long skuId, CancellationToken cancellationToken) =>
        await FindLevelAsync(connection, tx, skuId, cancellationToken).ConfigureAwait(false)
        ?? throw new MallNotFoundException($"SKU {skuId} has no stock record.");

    private static Task<StockLevel?> FindLevelAsync(DbConnection connection, DbTransaction? tx, long skuId, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<StockLevel>(new CommandDefinition(
            $"SELECT {LevelColumns} FROM mall_inventory WHERE sku_id = @skuId", new { skuId }, tx, cancellationToken: cancellationToken));

    private static bool CrossedThreshold(StockLevel after, long taken) =>
        after.LowStockThreshold > 0 && after.Available < after.LowStockThreshold && after.Available + taken >= after.LowStockThreshold;

    private async Task RaiseLowStockAsync(IReadOnlyList<StockLevel> levels, CancellationToken cancellationToken)
    {
        foreach (var level in levels)
            await events.DispatchAsync(new StockLowEvent(level.SkuId, level.Available, level.LowStockThreshold, clock.GetUtcNow()), cancellationToken).ConfigureAwait(false);
    }

    private static void ValidateReference(string reference)
    {
        var errors = new ValidationErrors();
        errors.Required("reference", reference, MaxReferenceLength);
        errors.ThrowIfAny();
    }

    private static void ValidateReservation(string reference, IReadOnlyList<StockLine> lines)
    {
        var errors = new ValidationErrors();
        errors.Required("reference", reference, MaxReferenceLength);
        if (lines is null || lines.Count is 0 or > MaxLines) errors.Add("lines", $"must have between 1 and {MaxLines} lines.");
        else
        {
            for (var i = 0; i < lines.Count; i++)
            {
                if (lines[i].SkuId <= 0) errors.Add($"lines[{i}].skuId", "is required.");
                errors.Range($"lines[{i}].quantity", lines[i].Quantity, 1, 1_000_000);
            }
        }
        errors.ThrowIfAny();
    }

    private sealed class MovementRow
    {
        public long Id { get; set; }
        public long SkuId { get; set; }
        public short Kind { get; set; }
        public string Reference { get; set; } = "";
        public long Quantity { get; set; }
        public string? Reason { get; set; }
        public DateTime CreatedAt { get; set; }

        public StockMovement ToMovement() => new()
        {
            Id = Id, SkuId = SkuId, Kind = (StockMovementKind)Kind, Reference = Reference, Quantity = Quantity, Reason = Reason, CreatedAt = Utc.Of(CreatedAt),
        };
    }

    /// <summary>The data of a <c>stock.changed</c> event.</summary>
    private sealed record StockChangedData(long SkuId, long Delta, long Available, string Reason, string Reference);
}
