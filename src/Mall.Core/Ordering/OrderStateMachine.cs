using System.Collections.Frozen;

namespace Mall.Ordering;

/// <summary>
/// The allowed order transitions: (status, trigger) → next status. Anything not listed is rejected and changes
/// nothing. The table is the single source of truth for services, the API and the docs.
/// </summary>
public static class OrderStateMachine
{
    private static readonly FrozenDictionary<(OrderStatus From, OrderTrigger Trigger), OrderStatus> Table =
        new Dictionary<(OrderStatus, OrderTrigger), OrderStatus>
        {
            [(OrderStatus.PendingPayment, OrderTrigger.Pay)] = OrderStatus.Paid,
            [(OrderStatus.PendingPayment, OrderTrigger.Cancel)] = OrderStatus.Cancelled,
            [(OrderStatus.Paid, OrderTrigger.Ship)] = OrderStatus.Shipped,
            [(OrderStatus.Paid, OrderTrigger.RequestRefund)] = OrderStatus.RefundRequested,
            [(OrderStatus.Shipped, OrderTrigger.Complete)] = OrderStatus.Completed,
            [(OrderStatus.Shipped, OrderTrigger.RequestRefund)] = OrderStatus.RefundRequested,
            [(OrderStatus.RefundRequested, OrderTrigger.Refund)] = OrderStatus.Refunded,
            [(OrderStatus.RefundRequested, OrderTrigger.RefundPartially)] = OrderStatus.PartiallyRefunded,
            // The rest of a partially refunded payment refunded later.
            [(OrderStatus.PartiallyRefunded, OrderTrigger.Refund)] = OrderStatus.Refunded,
            [(OrderStatus.Completed, OrderTrigger.OpenAfterSale)] = OrderStatus.AfterSale,
        }.ToFrozenDictionary();

    /// <summary>The status <paramref name="trigger"/> leads to from <paramref name="from"/>, if allowed.</summary>
    public static bool TryNext(OrderStatus from, OrderTrigger trigger, out OrderStatus to) => Table.TryGetValue((from, trigger), out to);

    /// <summary>The triggers allowed in a status.</summary>
    public static IReadOnlyList<OrderTrigger> AllowedTriggers(OrderStatus from) =>
        Table.Keys.Where(k => k.From == from).Select(k => k.Trigger).Order().ToList();
}
