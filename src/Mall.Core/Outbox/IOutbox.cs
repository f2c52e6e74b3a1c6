using System.Data.Common;

namespace Mall.Outbox;

/// <summary>
/// The transactional outbox: an event written with <see cref="AddAsync"/> commits or rolls back with the change that
/// raised it, and a background worker (once across nodes) hands every committed event to the webhook subscriptions
/// that want it — so no event is lost because a process died after its commit, and none is sent for a change that
/// was rolled back. Plugins write their own events here too (declare their types with <see cref="OutboxEventType"/>).
/// </summary>
public interface IOutbox
{
    /// <summary>Writes one event in <paramref name="transaction"/>; it is dispatched after the transaction commits.</summary>
    /// <param name="transaction">The transaction of the change the event describes.</param>
    /// <param name="type">The event type, e.g. <see cref="MallEventTypes.OrderPaid"/>: lower case, dot-separated (at most 100 characters).</param>
    /// <param name="subject">What the event is about, e.g. <c>order:42</c> (at most 100 characters).</param>
    /// <param name="data">The event's data, serialized as JSON with camelCase names (enums as camelCase strings).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The event's id, which receivers deduplicate on.</returns>
    Task<Guid> AddAsync(DbTransaction transaction, string type, string subject, object data, CancellationToken cancellationToken = default);

    /// <summary>The committed events of one subject (newest first, at most <paramref name="limit"/>), for support and tests.</summary>
    Task<IReadOnlyList<OutboxEvent>> ListAsync(string subject, int limit = 100, CancellationToken cancellationToken = default);
}

/// <summary>An event in the outbox.</summary>
/// <param name="Id">The event id (the same in every delivery and replay of it).</param>
/// <param name="Sequence">Its position in the outbox: later commits usually, not always, have higher numbers.</param>
/// <param name="Type">The event type.</param>
/// <param name="Subject">What it is about, e.g. <c>order:42</c>.</param>
/// <param name="Data">The event's data as JSON text.</param>
/// <param name="OccurredAt">When the change happened (UTC).</param>
/// <param name="DispatchedAt">When the worker handed it to the subscriptions, or null while it waits.</param>
public sealed record OutboxEvent(Guid Id, long Sequence, string Type, string Subject, string Data, DateTime OccurredAt, DateTime? DispatchedAt);

/// <summary>
/// An event type that can be subscribed to. The core's are <see cref="MallEventTypes.All"/>; a plugin declares its
/// own by registering instances in its services (<c>services.AddSingleton(new OutboxEventType("groupbuy.formed", "…"))</c>),
/// named with its own prefix, and they can be subscribed to while the plugin is enabled.
/// </summary>
/// <param name="Name">The type, lower case and dot-separated (<c>area.happened</c>).</param>
/// <param name="Description">What it means, for the admin list of event types.</param>
public sealed record OutboxEventType(string Name, string Description);

/// <summary>The event types the core writes to the outbox.</summary>
public static class MallEventTypes
{
    /// <summary>An order was placed (data: the order's id, number, customer, status and total).</summary>
    public const string OrderPlaced = "order.placed";
    /// <summary>An order was paid.</summary>
    public const string OrderPaid = "order.paid";
    /// <summary>An order was shipped (data includes carrier and tracking number).</summary>
    public const string OrderShipped = "order.shipped";
    /// <summary>An order's receipt was confirmed.</summary>
    public const string OrderCompleted = "order.completed";
    /// <summary>An unpaid order was cancelled (by the shopper, an admin or the payment timeout).</summary>
    public const string OrderCancelled = "order.cancelled";
    /// <summary>A paid order's refund was requested.</summary>
    public const string OrderRefundRequested = "order.refund_requested";
    /// <summary>An order was refunded in full.</summary>
    public const string OrderRefunded = "order.refunded";
    /// <summary>Part of an order was refunded.</summary>
    public const string OrderPartiallyRefunded = "order.partially_refunded";
    /// <summary>A refund was settled in the payment ledger (data: payment, order, refund number, amount).</summary>
    public const string PaymentRefunded = "payment.refunded";
    /// <summary>A SKU's stock was adjusted (data: SKU, delta, available after, reason, reference); sales move stock through order events.</summary>
    public const string StockChanged = "stock.changed";
    /// <summary>A product was created, changed, published, unpublished, deleted or restored (data: product id and what changed).</summary>
    public const string ProductChanged = "product.changed";

    /// <summary>Every core event type with its description.</summary>
    public static IReadOnlyList<OutboxEventType> All { get; } =
    [
        new(OrderPlaced, "An order was placed."),
        new(OrderPaid, "An order was paid."),
        new(OrderShipped, "An order was shipped (carrier and tracking number)."),
        new(OrderCompleted, "An order's receipt was confirmed."),
        new(OrderCancelled, "An unpaid order was cancelled."),
        new(OrderRefundRequested, "A refund of a paid order was requested."),
        new(OrderRefunded, "An order was refunded in full."),
        new(OrderPartiallyRefunded, "Part of an order was refunded."),
        new(PaymentRefunded, "A refund was settled in the payment ledger."),
        new(StockChanged, "A SKU's stock was adjusted."),
        new(ProductChanged, "A product was created, changed, published, unpublished, deleted or restored."),
    ];
}
