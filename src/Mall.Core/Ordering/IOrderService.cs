using Mall.Common;

namespace Mall.Ordering;

/// <summary>
/// Places orders and moves them through <see cref="OrderStateMachine"/>. Every change is one transaction: the
/// status update is conditional on the status read, the transition is recorded, and stock moves with it.
/// </summary>
public interface IOrderService
{
    /// <summary>
    /// Places an order: reads current prices, reserves stock for every line (all or nothing) and records the order
    /// with a price snapshot, in one transaction. With an idempotency key, a repeat returns the first order.
    /// </summary>
    /// <exception cref="MallValidationException">Bad input, unknown SKUs or products not on sale; nothing is written.</exception>
    /// <exception cref="MallConflictException">Not enough stock (code <c>stock.insufficient</c>); nothing is written.</exception>
    Task<PlaceOrderResult> PlaceAsync(PlaceOrderRequest request, CancellationToken cancellationToken = default);

    /// <summary>One order with lines and history, or null. With <paramref name="customerId"/>, only that shopper's order.</summary>
    Task<Order?> FindAsync(long orderId, long? customerId = null, CancellationToken cancellationToken = default);

    /// <summary>Orders, newest first.</summary>
    Task<PagedResult<Order>> ListAsync(OrderQuery query, CancellationToken cancellationToken = default);

    /// <summary>Marks an order paid and turns its reserved stock into sold stock. This is the transition the payment ledger uses.</summary>
    /// <exception cref="MallConflictException">The order is not pending payment (code <c>order.illegal_transition</c>).</exception>
    Task<Order> MarkPaidAsync(long orderId, string actor, string? reason = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// The same transition inside the payment ledger's transaction (the order row is locked there); the caller raises
    /// the returned event after committing.
    /// </summary>
    /// <exception cref="MallConflictException">The order is not pending payment (code <c>order.illegal_transition</c>).</exception>
    Task<OrderStatusChangedEvent> MarkPaidAsync(System.Data.Common.DbTransaction transaction, long orderId, string actor, string? reason, CancellationToken cancellationToken = default);

    /// <summary>Ships a paid order.</summary>
    Task<Order> ShipAsync(long orderId, string carrier, string trackingNumber, string actor, CancellationToken cancellationToken = default);

    /// <summary>Completes a shipped order.</summary>
    Task<Order> CompleteAsync(long orderId, string actor, CancellationToken cancellationToken = default);

    /// <summary>Cancels an order pending payment and releases its stock, exactly once.</summary>
    Task<Order> CancelAsync(long orderId, string actor, string? reason, CancellationToken cancellationToken = default);

    /// <summary>Applies any other trigger of <see cref="OrderStateMachine"/> (refund requests, refunds, after-sale).</summary>
    Task<Order> ApplyAsync(long orderId, OrderTrigger trigger, string actor, string? reason, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies a trigger that moves no stock (refund requests, refunds) inside the caller's transaction, for the
    /// payment ledger; the caller raises the returned event after committing.
    /// </summary>
    /// <exception cref="MallConflictException">The trigger is not allowed now (code <c>order.illegal_transition</c>).</exception>
    Task<OrderStatusChangedEvent> ApplyAsync(System.Data.Common.DbTransaction transaction, long orderId, OrderTrigger trigger, string actor, string? reason, CancellationToken cancellationToken = default);

    /// <summary>Cancels unpaid orders past their payment deadline; safe when several hosts run it at once. Returns how many this call cancelled.</summary>
    Task<int> CancelExpiredAsync(int maxOrders, CancellationToken cancellationToken = default);

    /// <summary>
    /// Locks the order's row inside the caller's transaction (until it ends) and answers its status, so that a
    /// decision taken on it (a late payment, a team closing) cannot race a transition. Other features call this
    /// instead of reading the order's tables.
    /// </summary>
    /// <exception cref="MallNotFoundException">No such order.</exception>
    Task<OrderStatus> LockStatusAsync(System.Data.Common.DbTransaction transaction, long orderId, CancellationToken cancellationToken = default);

    /// <summary>The status of each order of <paramref name="orderIds"/> that exists (at most 1,000 ids per call), without locking.</summary>
    Task<IReadOnlyDictionary<long, OrderStatus>> GetStatusesAsync(IReadOnlyCollection<long> orderIds, CancellationToken cancellationToken = default);

    /// <summary>
    /// A shopper's order history as promotions need it: how many orders they placed that were not cancelled, and,
    /// for each of <paramref name="adjustmentReferences"/> (e.g. <c>promotion:7</c>), how many such orders carry an
    /// adjustment with it. Read in <paramref name="transaction"/> when given.
    /// </summary>
    Task<ShopperOrderCounts> CountShopperOrdersAsync(long customerId, IReadOnlyCollection<string> adjustmentReferences, System.Data.Common.DbTransaction? transaction = null, CancellationToken cancellationToken = default);
}

/// <summary>What <see cref="IOrderService.CountShopperOrdersAsync"/> answers.</summary>
/// <param name="Placed">Orders placed and not cancelled.</param>
/// <param name="ByAdjustment">Of those, how many carry each asked-for adjustment reference (references none carry are absent).</param>
public sealed record ShopperOrderCounts(long Placed, IReadOnlyDictionary<string, int> ByAdjustment);
