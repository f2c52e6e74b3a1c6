using Mall.Events;

namespace Mall.Inventory;

/// <summary>
/// Stock of one SKU. Invariant: <c>Received = Available + Reserved + Sold</c>, where received is everything
/// ever put into stock net of adjustments.
/// </summary>
public sealed record StockLevel
{
    /// <summary>The SKU.</summary>
    public long SkuId { get; init; }
    /// <summary>Net units received (adjustments included).</summary>
    public long Received { get; init; }
    /// <summary>Units that can be ordered now.</summary>
    public long Available { get; init; }
    /// <summary>Units held by unpaid orders (预扣).</summary>
    public long Reserved { get; init; }
    /// <summary>Units sold (reservations committed by payment).</summary>
    public long Sold { get; init; }
    /// <summary>Below this available quantity a <see cref="StockLowEvent"/> is raised.</summary>
    public int LowStockThreshold { get; init; }
}

/// <summary>State of a reservation line.</summary>
public enum ReservationStatus
{
    /// <summary>Stock is held.</summary>
    Reserved = 0,
    /// <summary>Payment turned it into a sale.</summary>
    Committed = 1,
    /// <summary>Cancelled or timed out; stock went back to available.</summary>
    Released = 2,
}

/// <summary>Kinds of stock movements in the ledger.</summary>
public enum StockMovementKind
{
    /// <summary>Available → reserved.</summary>
    Reserve = 1,
    /// <summary>Reserved → sold.</summary>
    Commit = 2,
    /// <summary>Reserved → available.</summary>
    Release = 3,
    /// <summary>Received and available changed by a delta (goods in, stock take, damage).</summary>
    Adjust = 4,
}

/// <summary>One line of a reservation request.</summary>
/// <param name="SkuId">The SKU.</param>
/// <param name="Quantity">Units to hold (≥ 1).</param>
public sealed record StockLine(long SkuId, int Quantity);

/// <summary>A reservation line as stored.</summary>
public sealed record StockReservationLine(long SkuId, int Quantity, ReservationStatus Status);

/// <summary>Result of a reserve, commit or release.</summary>
/// <param name="Reference">The caller's reference key (e.g. an order number).</param>
/// <param name="Lines">The reservation lines after the operation.</param>
/// <param name="Replayed">True when the reference had been processed before and nothing changed now.</param>
public sealed record StockReservation(string Reference, IReadOnlyList<StockReservationLine> Lines, bool Replayed);

/// <summary>Result of a reservation made inside a caller's transaction.</summary>
/// <param name="Reservation">The reservation.</param>
/// <param name="LowStockCrossed">Stock levels that dropped below their low-stock threshold; raise <see cref="StockLowEvent"/>s for them after commit.</param>
public sealed record StockReservationResult(StockReservation Reservation, IReadOnlyList<StockLevel> LowStockCrossed);

/// <summary>A ledger entry.</summary>
public sealed record StockMovement
{
    /// <summary>Identifier.</summary>
    public long Id { get; init; }
    /// <summary>The SKU.</summary>
    public long SkuId { get; init; }
    /// <summary>What happened.</summary>
    public StockMovementKind Kind { get; init; }
    /// <summary>Reference key that makes the movement idempotent.</summary>
    public required string Reference { get; init; }
    /// <summary>Units (negative for an adjustment that removes stock).</summary>
    public long Quantity { get; init; }
    /// <summary>Reason given for an adjustment.</summary>
    public string? Reason { get; init; }
    /// <summary>When (UTC).</summary>
    public DateTime CreatedAt { get; init; }
}

/// <summary>An adjustment request.</summary>
/// <param name="SkuId">The SKU.</param>
/// <param name="Delta">Units to add (positive) or remove (negative); not zero.</param>
/// <param name="Reason">Why (required, at most 500 characters).</param>
/// <param name="Reference">Idempotency key (1–100 characters): the same key for the same SKU applies once.</param>
public sealed record StockAdjustment(long SkuId, long Delta, string Reason, string Reference);

/// <summary>Result of an adjustment made inside a caller's transaction.</summary>
/// <param name="Level">Stock after the adjustment.</param>
/// <param name="Replayed">True when the reference had been applied before and nothing changed now.</param>
/// <param name="LowStockCrossed">The level, when it dropped below its low-stock threshold; raise a <see cref="StockLowEvent"/> for it after commit.</param>
public sealed record StockAdjustmentResult(StockLevel Level, bool Replayed, IReadOnlyList<StockLevel> LowStockCrossed);

/// <summary>Available stock of a SKU dropped below its low-stock threshold.</summary>
/// <param name="SkuId">The SKU.</param>
/// <param name="Available">Available units now.</param>
/// <param name="Threshold">The threshold crossed.</param>
/// <param name="OccurredAt">When.</param>
public sealed record StockLowEvent(long SkuId, long Available, int Threshold, DateTimeOffset OccurredAt) : IDomainEvent;
