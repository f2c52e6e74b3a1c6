using System.Data.Common;
using Dapper;
using Mall.Common;
using Mall.Data;
using Mall.Events;

namespace Mall.Inventory.Services;

/// <summary>Default <see cref="IInventoryService"/> over the Mall database.</summary>
public sealed class InventoryService(IMallDatabase database, IDomainEventDispatcher events, TimeProvider clock) : IInventoryService
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
    public Task<StockReservationResult> ReserveNewAsync(DbTransaction transaction, string reference, IReadOnlyList<StockLine> lines, CancellationToken cancellationToken = default)
    {
        ValidateReservation(reference, lines);
        return HoldAsync(transaction, reference, lines, cancellationToken);
    }

    private async Task<StockReservationResult> HoldAsync(DbTransaction transaction, string reference, IReadOnlyList<StockLine> lines, CancellationToken cancellationToken)
    {
        var connection = transaction.Connection!;

        var now = clock.GetUtcNow().UtcDateTime;
        var lowStock = new List<StockLevel>();
        // Merge lines of the same SKU and lock rows in id order, so that two multi-line reservations never deadlock.
        var merged = lines.GroupBy(l => l.SkuId).Select(g => new StockLine(g.Key, g.Sum(l => l.Quantity))).OrderBy(l => l.SkuId).ToList();
        foreach (var line in merged)
        {
            var (updated, after) = Dialect.ReportsRowsPerBatchCommand && connection.CanCreateBatch
                ? await ReserveLineBatchedAsync(connection, transaction, reference, line, now, cancellationToken).ConfigureAwait(false)
                : Dialect.PreviousRowCountQuery is { } rowCount
                    ? await ReserveLineInOneCommandAsync(connection, transaction, reference, line, now, rowCount, cancellationToken).ConfigureAwait(false)
                    : await ReserveLineAsync(connection, transaction, reference, line, now, cancellationToken).ConfigureAwait(false);
            if (updated == 0)
            {
                // Nothing was reserved; what the batch wrote besides is undone with the caller's transaction, as for any refusal.
                var available = after?.Available ?? throw new MallNotFoundException($"SKU {line.SkuId} has no stock record.");
                throw new MallConflictException($"SKU {line.SkuId} has {available} available, {line.Quantity} requested.") { Code = "stock.insufficient" };
            }
            if (CrossedThreshold(after!, line.Quantity)) lowStock.Add(after!);
        }
        var reservation = new StockReservation(reference, merged.Select(l => new StockReservationLine(l.SkuId, l.Quantity, ReservationStatus.Reserved)).ToList(), false);
        return new StockReservationResult(reservation, lowStock);
    }

    // The one conditional update that makes overselling impossible.
    private const string ReserveUpdate =
        "UPDATE mall_inventory SET available = available - @quantity, reserved = reserved + @quantity, updated_at = @now WHERE sku_id = @skuId AND available >= @quantity";

    private const string ReservationInsert =
        "INSERT INTO mall_stock_reservation (reference, sku_id, quantity, status, created_at, updated_at) VALUES (@reference, @skuId, @quantity, @status, @now, @now)";

    /// <summary>
    /// Update, reservation, ledger entry and the level after, in one round trip (a batch; drivers that have them).
    /// The inserts run even when the update reserved nothing; the caller then refuses and its transaction undoes them.
    /// </summary>
    private async Task<(int Updated, StockLevel? After)> ReserveLineBatchedAsync(DbConnection connection, DbTransaction transaction, string reference, StockLine line, DateTime now, CancellationToken cancellationToken)
    {
        await using var batch = connection.CreateBatch();
        await using var parameterFactory = connection.CreateCommand();
        batch.Transaction = transaction;
        var values = ReserveValues(reference, line, now);
        foreach (var sql in new[] { ReserveUpdate, ReservationInsert, MovementInsert, LevelQuery })
        {
            var command = batch.CreateBatchCommand();
            command.CommandText = sql;
            AddParameters(command.Parameters, parameterFactory, sql, values);
            batch.BatchCommands.Add(command);
        }
        StockLevel? after;
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            (_, after) = await ReadResultsAsync(reader, countFirst: false, cancellationToken).ConfigureAwait(false);
        return (batch.BatchCommands[0].RecordsAffected, after);
    }

    /// <summary>The same in one multi-statement command, the update's count read back with <paramref name="rowCountQuery"/> (MySQL).</summary>
    private async Task<(int Updated, StockLevel? After)> ReserveLineInOneCommandAsync(DbConnection connection, DbTransaction transaction, string reference, StockLine line, DateTime now,
        string rowCountQuery, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"{ReserveUpdate}; {rowCountQuery}; {ReservationInsert}; {MovementInsert}; {LevelQuery}";
        AddParameters(command.Parameters, command, command.CommandText, ReserveValues(reference, line, now));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var (updated, after) = await ReadResultsAsync(reader, countFirst: true, cancellationToken).ConfigureAwait(false);
        return ((int)(updated ?? 0), after);
    }

    private const string LevelQuery = $"SELECT {LevelColumns} FROM mall_inventory WHERE sku_id = @skuId";

    private static (string Name, object? Value)[] ReserveValues(string reference, StockLine line, DateTime now) =>
    [
        ("reference", reference), ("skuId", line.SkuId), ("quantity", (long)line.Quantity), ("status", (int)ReservationStatus.Reserved),
        ("kind", (int)StockMovementKind.Reserve), ("reason", null), ("now", now),
    ];

    /// <summary>Adds the values <paramref name="sql"/> names, as parameters made by <paramref name="factory"/>'s provider.</summary>
    private static void AddParameters(DbParameterCollection parameters, DbCommand factory, string sql, (string Name, object? Value)[] values)
    {
        foreach (var (name, value) in values.Where(v => sql.Contains('@' + v.Name, StringComparison.Ordinal)))
        {
            var parameter = factory.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            parameters.Add(parameter);
        }
    }

    /// <summary>Reads a reservation round trip's result sets: the update's count first when SQL counted it, then the level after.</summary>
    private static async Task<(long? Count, StockLevel? After)> ReadResultsAsync(DbDataReader reader, bool countFirst, CancellationToken cancellationToken)
    {
        long? count = null;
        StockLevel? after = null;
        do
        {
            if (reader.FieldCount == 0 || !await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) continue;
            if (countFirst && count is null) count = Long(reader, 0);
            else after = ReadLevel(reader);
        }
        while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));
        return (count, after);
    }

    private static StockLevel ReadLevel(DbDataReader reader) => new()
    {
        SkuId = Long(reader, 0), Received = Long(reader, 1), Available = Long(reader, 2), Reserved = Long(reader, 3), Sold = Long(reader, 4), LowStockThreshold = (int)Long(reader, 5),
    };

    private static long Long(DbDataReader reader, int ordinal) => Convert.ToInt64(reader.GetValue(ordinal), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The same, statement by statement (SQLite runs in process; MySqlConnector's batches do not report per-command counts).</summary>
    private async Task<(int Updated, StockLevel? After)> ReserveLineAsync(DbConnection connection, DbTransaction transaction, string reference, StockLine line, DateTime now, CancellationToken cancellationToken)
    {
        var updated = await connection.ExecuteAsync(new CommandDefinition(ReserveUpdate, new { skuId = line.SkuId, quantity = (long)line.Quantity, now }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (updated > 0)
            await connection.ExecuteAsync(new CommandDefinition(ReservationInsert + ";" + MovementInsert,
                new { reference, skuId = line.SkuId, quantity = (long)line.Quantity, status = ReservationStatus.Reserved, kind = StockMovementKind.Reserve, reason = (string?)null, now },
                transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return (updated, await FindLevelAsync(connection, transaction, line.SkuId, cancellationToken).ConfigureAwait(false));
    }

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
        var errors = new ValidationErrors();
        if (adjustment.SkuId <= 0) errors.Add("skuId", "is required.");
        if (adjustment.Delta == 0) errors.Add("delta", "must not be zero.");
        errors.Range("delta", adjustment.Delta, -1_000_000_000, 1_000_000_000);
        errors.Required("reason", adjustment.Reason, 500);
        errors.Required("reference", adjustment.Reference, MaxReferenceLength);
        errors.ThrowIfAny();

        var (level, low) = await database.InTransactionAsync(async tx =>
        {
            var connection = tx.Connection!;
            var now = clock.GetUtcNow().UtcDateTime;
            var before = await FindLevelAsync(connection, tx, adjustment.SkuId, cancellationToken).ConfigureAwait(false)
                ?? throw new MallNotFoundException($"SKU {adjustment.SkuId} has no stock record.");
            // Ledger first: a repeated reference inserts nothing and changes nothing.
            var inserted = await InsertMovementAsync(tx, adjustment.SkuId, StockMovementKind.Adjust, adjustment.Reference.Trim(), adjustment.Delta, adjustment.Reason.Trim(), now, cancellationToken).ConfigureAwait(false);
            if (inserted == 0) return (await GetLevelAsync(connection, tx, adjustment.SkuId, cancellationToken).ConfigureAwait(false), false);
            var updated = await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE mall_inventory SET available = available + @Delta, received = received + @Delta, updated_at = @now WHERE sku_id = @SkuId AND available + @Delta >= 0",
                new { adjustment.SkuId, adjustment.Delta, now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (updated == 0)
                throw new MallConflictException($"SKU {adjustment.SkuId} has {before.Available} available; removing {-adjustment.Delta} would make it negative.") { Code = "stock.insufficient" };
            var after = await GetLevelAsync(connection, tx, adjustment.SkuId, cancellationToken).ConfigureAwait(false);
            return (after, adjustment.Delta < 0 && CrossedThreshold(after, -adjustment.Delta));
        }, cancellationToken).ConfigureAwait(false);
        if (low) await RaiseLowStockAsync([level], cancellationToken).ConfigureAwait(false);
        return level;
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

    /// <summary>Ledger insert that does nothing for a repeated (SKU, kind, reference).</summary>
    private static string MovementInsertSql(ISqlDialect dialect) => dialect.InsertIgnoreDuplicate("mall_stock_movement", ["sku_id", "kind", "reference", "quantity", "reason", "created_at"],
        ["@skuId", "@kind", "@reference", "@quantity", "@reason", "@now"], ["sku_id", "kind", "reference"]);

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
}
