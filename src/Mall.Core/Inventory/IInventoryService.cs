using System.Data.Common;
using Mall.Common;

namespace Mall.Inventory;

/// <summary>
/// Stock per SKU with a reservation ledger. Every operation is idempotent by its reference key and keeps
/// <c>received = available + reserved + sold</c>. Reservation is one conditional update per line (never
/// read-then-write), so concurrent buyers can never oversell.
/// </summary>
public interface IInventoryService
{
    /// <summary>Stock of a SKU; throws <see cref="MallNotFoundException"/> when the SKU has no stock record.</summary>
    Task<StockLevel> GetAsync(long skuId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Holds stock for every line, all or nothing, under <paramref name="reference"/> (e.g. an order number).
    /// Repeating a reference returns the first result with <see cref="StockReservation.Replayed"/> set and changes nothing.
    /// </summary>
    /// <exception cref="MallConflictException">A line has not enough available stock (code <c>stock.insufficient</c>); nothing is held.</exception>
    Task<StockReservation> ReserveAsync(string reference, IReadOnlyList<StockLine> lines, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="ReserveAsync(string, IReadOnlyList{StockLine}, CancellationToken)"/> inside the caller's transaction,
    /// so that an order and its stock are written together. Domain events are the caller's to raise after commit:
    /// <see cref="StockReservationResult.LowStockCrossed"/> lists the SKUs whose available stock crossed their low-stock threshold.
    /// </summary>
    Task<StockReservationResult> ReserveAsync(DbTransaction transaction, string reference, IReadOnlyList<StockLine> lines, CancellationToken cancellationToken = default);

    /// <summary>
    /// As <see cref="ReserveAsync(DbTransaction, string, IReadOnlyList{StockLine}, CancellationToken)"/> for a reference
    /// the caller has just created in this transaction (a new order's number): no replay is looked for, which saves a
    /// round trip; a reused reference fails on the reservation's unique key instead of replaying.
    /// </summary>
    Task<StockReservationResult> ReserveNewAsync(DbTransaction transaction, string reference, IReadOnlyList<StockLine> lines, CancellationToken cancellationToken = default) =>
        ReserveAsync(transaction, reference, lines, cancellationToken);

    /// <summary>Turns a reservation into a sale (after payment). Idempotent; a released reservation cannot be committed.</summary>
    Task<StockReservation> CommitAsync(string reference, CancellationToken cancellationToken = default);

    /// <summary>Gives reserved stock back (cancellation, payment timeout). Idempotent: stock returns exactly once; a committed reservation cannot be released.</summary>
    Task<StockReservation> ReleaseAsync(string reference, CancellationToken cancellationToken = default);

    /// <summary><see cref="CommitAsync(string, CancellationToken)"/> inside the caller's transaction (e.g. with the order's move to paid).</summary>
    Task<StockReservation> CommitAsync(DbTransaction transaction, string reference, CancellationToken cancellationToken = default);

    /// <summary><see cref="ReleaseAsync(string, CancellationToken)"/> inside the caller's transaction (e.g. with the order's cancellation).</summary>
    Task<StockReservation> ReleaseAsync(DbTransaction transaction, string reference, CancellationToken cancellationToken = default);

    /// <summary>The reservation under a reference, or null.</summary>
    Task<StockReservation?> FindReservationAsync(string reference, CancellationToken cancellationToken = default);

    /// <summary>Adds or removes stock with a reason; idempotent by <see cref="StockAdjustment.Reference"/> per SKU. Available stock never goes below zero.</summary>
    Task<StockLevel> AdjustAsync(StockAdjustment adjustment, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="AdjustAsync(StockAdjustment, CancellationToken)"/> inside the caller's transaction, so that stock
    /// changes together with other writes (a bulk edit of prices and stock). Domain events are the caller's to raise
    /// after commit: <see cref="StockAdjustmentResult.LowStockCrossed"/>.
    /// </summary>
    Task<StockAdjustmentResult> AdjustAsync(DbTransaction transaction, StockAdjustment adjustment, CancellationToken cancellationToken = default);

    /// <summary>Sets the low-stock threshold of a SKU.</summary>
    Task<StockLevel> SetLowStockThresholdAsync(long skuId, int threshold, CancellationToken cancellationToken = default);

    /// <summary>SKUs whose available stock is at or below their low-stock threshold (thresholds of 0 excluded), fewest available first.</summary>
    /// <param name="take">At most this many (1–100).</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    Task<IReadOnlyList<StockLevel>> ListLowStockAsync(int take, CancellationToken cancellationToken = default);

    /// <summary>The movement ledger of a SKU, newest first.</summary>
    Task<PagedResult<StockMovement>> GetMovementsAsync(long skuId, int page, int pageSize, CancellationToken cancellationToken = default);

    /// <summary>
    /// The stock of each SKU of <paramref name="skuIds"/> that has an inventory row (at most 1,000 ids per call),
    /// without locking: for features that show or check stock (carts, checkout, product pages). Read in
    /// <paramref name="transaction"/> when given.
    /// </summary>
    Task<IReadOnlyDictionary<long, StockLevel>> GetLevelsAsync(IReadOnlyCollection<long> skuIds, DbTransaction? transaction = null, CancellationToken cancellationToken = default);
}
