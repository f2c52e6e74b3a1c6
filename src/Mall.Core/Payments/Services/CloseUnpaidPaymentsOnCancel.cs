using Mall.Events;
using Mall.Ordering;

namespace Mall.Payments.Services;

/// <summary>When an order is cancelled (payment timeout, the shopper, an admin), its unpaid payments are closed in the ledger.</summary>
internal sealed class CloseUnpaidPaymentsOnCancel(PaymentService payments) : IDomainEventHandler<OrderStatusChangedEvent>
{
    /// <inheritdoc />
    public async Task HandleAsync(OrderStatusChangedEvent domainEvent, CancellationToken cancellationToken)
    {
        if (domainEvent.To != OrderStatus.Cancelled) return;
        await payments.CloseUnpaidAsync(domainEvent.OrderId, $"order cancelled by {domainEvent.Actor}", cancellationToken).ConfigureAwait(false);
    }
}
