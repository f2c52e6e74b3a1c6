using System.Data.Common;
using Mall.Checkout;

namespace Mall.Ordering;

/// <summary>
/// Takes part in placing and cancelling orders inside their transactions — for features that must claim or give back
/// something together with the order, exactly once (a bargain bought at its price, a group-buy seat). Registered like
/// any extension (host services or a plugin's <c>ConfigureServices</c>).
/// </summary>
public interface IOrderParticipant
{
    /// <summary>
    /// The order is being placed (its row and lines are written, not committed). Claim what the order used, with
    /// conditional updates in <see cref="OrderPlacing.Transaction"/>; throw <see cref="Common.MallConflictException"/>
    /// to refuse the order, which then rolls back entirely.
    /// </summary>
    Task PlacingAsync(OrderPlacing placing, CancellationToken cancellationToken);

    /// <summary>
    /// An unpaid order is being cancelled (in its transaction): give back what <see cref="PlacingAsync"/> claimed.
    /// (Runs before <see cref="TransitionedAsync"/> sees the same cancellation; implement whichever suits.)
    /// </summary>
    Task CancellingAsync(OrderCancelling cancelling, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// The order's status has just changed in <see cref="OrderTransitioned.Transaction"/> (not committed): paid,
    /// shipped, refunded, cancelled… Keep what depends on it in step, in the same transaction; throw
    /// <see cref="Common.MallConflictException"/> to refuse the transition (e.g. shipping a group-buy order before its
    /// team is complete), which then changes nothing.
    /// </summary>
    Task TransitionedAsync(OrderTransitioned transition, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>An order being placed.</summary>
/// <param name="Transaction">The order's transaction.</param>
/// <param name="OrderId">Its id.</param>
/// <param name="OrderNumber">Its number.</param>
/// <param name="CustomerId">The shopper.</param>
/// <param name="Quote">What it was priced with (lines, adjustments with their references).</param>
public sealed record OrderPlacing(DbTransaction Transaction, long OrderId, string OrderNumber, long CustomerId, CheckoutQuote Quote)
{
    /// <summary>The shopper's plugin choices the order was placed with (<see cref="PlaceOrderRequest.Extensions"/>).</summary>
    public IReadOnlyDictionary<string, string> Extensions { get; init; } = new Dictionary<string, string>();
}

/// <summary>An order being cancelled.</summary>
/// <param name="Transaction">The cancellation's transaction.</param>
/// <param name="OrderId">Its id.</param>
/// <param name="OrderNumber">Its number.</param>
public sealed record OrderCancelling(DbTransaction Transaction, long OrderId, string OrderNumber);

/// <summary>An order's status change, inside its transaction.</summary>
/// <param name="Transaction">The transition's transaction.</param>
/// <param name="OrderId">The order.</param>
/// <param name="OrderNumber">Its number.</param>
/// <param name="From">Status before.</param>
/// <param name="To">Status after.</param>
/// <param name="Trigger">What moved it.</param>
public sealed record OrderTransitioned(DbTransaction Transaction, long OrderId, string OrderNumber, OrderStatus From, OrderStatus To, OrderTrigger Trigger);
