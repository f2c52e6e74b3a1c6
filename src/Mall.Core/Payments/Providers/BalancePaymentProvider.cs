using Mall.Customers;

namespace Mall.Payments.Providers;

/// <summary>
/// Pays from the shopper's stored balance (余额) through the customer asset ledger: the debit and a refund's credit
/// are ledger entries with the payment or refund number as their idempotency reference, so neither applies twice.
/// The capture completes at once; there are no notifications.
/// </summary>
public sealed class BalancePaymentProvider(ICustomerService customers) : IPaymentProvider
{
    /// <summary>The provider name.</summary>
    public const string ProviderName = "balance";

    /// <inheritdoc />
    public string Name => ProviderName;

    /// <inheritdoc />
    public PaymentCapabilities Capabilities => PaymentCapabilities.Refund | PaymentCapabilities.PartialRefund;

    /// <inheritdoc />
    public async Task<PaymentAction> CreateAsync(PaymentRequest request, CancellationToken cancellationToken)
    {
        // Throws customer.insufficient_balance (409) and changes nothing when the balance is short.
        await customers.ChangeAssetAsync(request.CustomerId,
            new CustomerAssetChange(CustomerAsset.Balance, -request.Amount, $"payment of order {request.OrderNumber}", $"pay:{request.PaymentNumber}"), cancellationToken).ConfigureAwait(false);
        return new PaymentAction(PaymentActionKind.Completed, Completion: new PaymentNotification(
            $"debit:{request.PaymentNumber}", request.PaymentNumber, PaymentEventKind.Captured, request.Amount, request.Currency, $"BAL{request.PaymentNumber}"));
    }

    /// <inheritdoc />
    public Task<PaymentNotification?> VerifyNotificationAsync(ProviderNotification notification, CancellationToken cancellationToken) =>
        Task.FromResult<PaymentNotification?>(null);

    /// <inheritdoc />
    public NotificationAnswer Answer(bool accepted, string message) => new(404, "text/plain", "the balance method takes no notifications");

    /// <inheritdoc />
    public async Task<ProviderRefundResult> RefundAsync(ProviderRefundRequest request, CancellationToken cancellationToken)
    {
        await customers.ChangeAssetAsync(request.CustomerId,
            new CustomerAssetChange(CustomerAsset.Balance, request.Amount, $"refund of {request.PaymentNumber}: {request.Reason}"[..Math.Min(200, $"refund of {request.PaymentNumber}: {request.Reason}".Length)], $"refund:{request.RefundNumber}"), cancellationToken).ConfigureAwait(false);
        return new ProviderRefundResult(true, $"BAL{request.RefundNumber}", null);
    }
}
