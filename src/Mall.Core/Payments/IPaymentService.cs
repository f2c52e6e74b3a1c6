namespace Mall.Payments;

/// <summary>
/// The payment ledger: payments of orders and their append-only events, each with the provider's reference and an
/// idempotency key. The order becomes paid only through a captured payment recorded here.
/// </summary>
public interface IPaymentService
{
    /// <summary>
    /// Starts paying a shopper's order pending payment with <paramref name="provider"/>; returns the client action.
    /// </summary>
    /// <exception cref="Common.MallNotFoundException">No such order of this shopper, or no such provider.</exception>
    /// <exception cref="Common.MallConflictException">The order is not pending payment (code <c>payment.order_not_payable</c>).</exception>
    Task<PaymentStart> StartAsync(long orderId, long customerId, string provider, string notifyUrl, CancellationToken cancellationToken = default);

    /// <summary>As <see cref="StartAsync(long, long, string, string, CancellationToken)"/>, with the client's parameters for the provider (<see cref="PaymentRequest.ClientParameters"/>).</summary>
    Task<PaymentStart> StartAsync(long orderId, long customerId, string provider, string notifyUrl, IReadOnlyDictionary<string, string>? clientParameters, CancellationToken cancellationToken = default);

    /// <summary>
    /// Handles a provider's notification: verifies it, records it once (by the provider's event id) and moves the
    /// order. A repeat, a late one (order no longer pending), or one for a shipped order changes no order; a bad
    /// signature, an unknown payment or a wrong amount or currency changes nothing at all. Returns the answer the
    /// provider's protocol expects.
    /// </summary>
    /// <exception cref="Common.MallNotFoundException">No such payment method.</exception>
    Task<NotificationAnswer> HandleNotificationAsync(string provider, ProviderNotification notification, CancellationToken cancellationToken = default);

    /// <summary>
    /// Refunds (part of) a captured payment through its provider, exactly once per <paramref name="refundKey"/>:
    /// a repeat answers the first refund. The order moves to refunded (or partially refunded) when it was paid or
    /// shipped; a late payment of a cancelled order is refunded without touching the order.
    /// </summary>
    /// <exception cref="Common.MallValidationException">Bad amount, key or reason.</exception>
    /// <exception cref="Common.MallNotFoundException">No such payment.</exception>
    /// <exception cref="Common.MallConflictException">Not captured, more than is left, the provider cannot (partially) refund, or the provider refused (codes <c>payment.*</c>); nothing is recorded.</exception>
    Task<Payment> RefundAsync(string paymentNumber, decimal amount, string refundKey, string reason, string actor, CancellationToken cancellationToken = default);

    /// <summary>
    /// Refunds one order line: its amount less its share of the order's discounts, from the order's captured
    /// payment, once per <paramref name="refundKey"/> (see <see cref="RefundAsync"/>).
    /// </summary>
    /// <exception cref="Common.MallNotFoundException">No such order or line.</exception>
    /// <exception cref="Common.MallConflictException">No captured payment, or as <see cref="RefundAsync"/>.</exception>
    Task<Payment> RefundLineAsync(long orderId, long skuId, string refundKey, string reason, string actor, CancellationToken cancellationToken = default);

    /// <summary>Payments of an order with their events, oldest first.</summary>
    Task<IReadOnlyList<Payment>> ListAsync(long orderId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Asks the payment's provider for its status and records what it says through the ledger, exactly as a
    /// notification (so a lost notification is recovered and a repeat changes nothing). Returns the payment as it is then.
    /// </summary>
    /// <exception cref="Common.MallNotFoundException">No such payment, or its provider is not installed.</exception>
    /// <exception cref="Common.MallConflictException">The provider cannot be queried (<c>payment.not_queryable</c>) or failed (<c>payment.provider_failed</c>).</exception>
    Task<Payment> SyncAsync(string paymentNumber, CancellationToken cancellationToken = default);
}

/// <summary>A started payment.</summary>
/// <param name="PaymentNumber">The ledger's number.</param>
/// <param name="Action">What the client does next.</param>
public sealed record PaymentStart(string PaymentNumber, PaymentAction Action);

/// <summary>Where a payment stands.</summary>
public enum PaymentStatus
{
    /// <summary>Created at the provider, not paid yet.</summary>
    Created = 0,
    /// <summary>Money taken.</summary>
    Captured = 1,
    /// <summary>The provider reported a failure.</summary>
    Failed = 2,
    /// <summary>Refunded in full.</summary>
    Refunded = 3,
    /// <summary>Refunded in part.</summary>
    PartiallyRefunded = 4,
    /// <summary>Closed unpaid because its order was cancelled (payment timeout, shopper); a capture arriving later is recorded as late.</summary>
    Closed = 5,
}

/// <summary>What a ledger event records.</summary>
public enum PaymentEventKind
{
    /// <summary>The payment was created at the provider.</summary>
    Created = 0,
    /// <summary>Authorised, not captured yet.</summary>
    Authorized = 1,
    /// <summary>Money taken.</summary>
    Captured = 2,
    /// <summary>The payment failed.</summary>
    Failed = 3,
    /// <summary>
    /// Money returned. As a notification's kind: the provider's notice of a refund (see
    /// <see cref="PaymentNotification.Refund"/>), which the ledger confirms or reconciles; it never captures.
    /// </summary>
    Refunded = 4,
    /// <summary>An authorisation was cancelled.</summary>
    Voided = 5,
    /// <summary>
    /// The provider refused a refund recorded before it was asked, or reported later that it failed; the amount is
    /// refundable again. As a notification's kind: a refund failed at the provider (see <see cref="PaymentNotification.Refund"/>).
    /// </summary>
    RefundFailed = 6,
    /// <summary>
    /// The provider confirmed a refund the ledger already counts (its refund notice); recorded for the trail, counts
    /// nothing. Recorded by the ledger only: a notification reports <see cref="Refunded"/>.
    /// </summary>
    RefundConfirmed = 7,
}

/// <summary>A payment of an order.</summary>
/// <param name="Number">The ledger's number.</param>
/// <param name="OrderId">The order.</param>
/// <param name="Provider">Provider name.</param>
/// <param name="Amount">Amount.</param>
/// <param name="Currency">Currency.</param>
/// <param name="Status">Status.</param>
/// <param name="ProviderReference">The provider's transaction id, once known.</param>
/// <param name="Events">Its events, oldest first.</param>
public sealed record Payment(string Number, long OrderId, string Provider, decimal Amount, string Currency, PaymentStatus Status, string? ProviderReference, IReadOnlyList<PaymentEvent> Events);

/// <summary>One append-only ledger event.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Amount">Amount.</param>
/// <param name="ProviderReference">The provider's reference.</param>
/// <param name="IdempotencyKey">Unique key: a repeat of the same event is not recorded again.</param>
/// <param name="Note">What the ledger did with it (e.g. "order paid", "late: order cancelled").</param>
/// <param name="CreatedAt">When (UTC).</param>
public sealed record PaymentEvent(PaymentEventKind Kind, decimal Amount, string? ProviderReference, string IdempotencyKey, string? Note, DateTime CreatedAt);
