namespace Mall.Payments;

/// <summary>
/// A payment method (a gateway, the shopper's balance, a sandbox). Registered like any extension: in the host's
/// services or by a plugin. The core's payment ledger calls it; the order moves only through the ledger.
/// </summary>
public interface IPaymentProvider
{
    /// <summary>Stable name used in URLs and the ledger, e.g. <c>sandbox</c>, <c>wechatpay</c>.</summary>
    string Name { get; }

    /// <summary>What the provider can do besides taking a payment.</summary>
    PaymentCapabilities Capabilities { get; }

    /// <summary>Creates a payment at the provider and says what the shopper's client must do next.</summary>
    Task<PaymentAction> CreateAsync(PaymentRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Verifies a notification the provider sent (signature, decryption) and normalises it; null when it is not
    /// authentic. Must not trust anything of an unverified notification.
    /// </summary>
    Task<PaymentNotification?> VerifyNotificationAsync(ProviderNotification notification, CancellationToken cancellationToken);

    /// <summary>The HTTP answer the provider's protocol expects for a notification that was accepted or refused.</summary>
    NotificationAnswer Answer(bool accepted, string message);

    /// <summary>Refunds (part of) a captured payment.</summary>
    Task<ProviderRefundResult> RefundAsync(ProviderRefundRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Asks the provider for a payment's status (for providers with <see cref="PaymentCapabilities.Query"/>): what it
    /// says, normalised like a verified notification, or null while nothing has happened yet. The ledger records the
    /// answer exactly as it would a notification, so a lost notification can be recovered.
    /// </summary>
    Task<PaymentNotification?> QueryAsync(PaymentQuery query, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"The payment method '{Name}' cannot be queried.");
}

/// <summary>A payment to ask a provider about.</summary>
/// <param name="PaymentNumber">The ledger's number (the provider's out-trade number).</param>
/// <param name="ProviderReference">The provider's transaction id, when known.</param>
/// <param name="Amount">The payment's amount.</param>
/// <param name="Currency">Its currency.</param>
public sealed record PaymentQuery(string PaymentNumber, string? ProviderReference, decimal Amount, string Currency);

/// <summary>What a provider supports.</summary>
[Flags]
public enum PaymentCapabilities
{
    /// <summary>Payments only.</summary>
    None = 0,
    /// <summary>Full refunds.</summary>
    Refund = 1,
    /// <summary>Refunds of part of a payment.</summary>
    PartialRefund = 2,
    /// <summary>Cancelling an authorised, uncaptured payment.</summary>
    Void = 4,
    /// <summary>Asking the provider for a payment's status.</summary>
    Query = 8,
}

/// <summary>A payment to create at a provider.</summary>
/// <param name="PaymentNumber">The ledger's number for this payment (the provider's out-trade number).</param>
/// <param name="OrderNumber">The order paid.</param>
/// <param name="CustomerId">Who pays.</param>
/// <param name="Amount">Amount, in <paramref name="Currency"/>.</param>
/// <param name="Currency">ISO 4217 code, e.g. <c>CNY</c>.</param>
/// <param name="Description">Shown by the provider.</param>
/// <param name="NotifyUrl">Where the provider posts its notifications.</param>
public sealed record PaymentRequest(string PaymentNumber, string OrderNumber, long CustomerId, decimal Amount, string Currency, string Description, string NotifyUrl)
{
    /// <summary>
    /// What the shopper's client says about itself, passed through untouched (e.g. <c>channel</c> = <c>jsapi</c> and
    /// <c>openid</c> for WeChat Pay in a mini-program, <c>channel</c> = <c>wap</c> for Alipay in a phone browser).
    /// Each provider documents the names it reads; never trust them for amounts.
    /// </summary>
    public IReadOnlyDictionary<string, string> ClientParameters { get; init; } = new Dictionary<string, string>();
}

/// <summary>What the client does next.</summary>
public enum PaymentActionKind
{
    /// <summary>Open <see cref="PaymentAction.Url"/> (H5 / web cashier).</summary>
    Redirect = 0,
    /// <summary>Show <see cref="PaymentAction.QrCode"/> to scan.</summary>
    QrCode = 1,
    /// <summary>Pass <see cref="PaymentAction.Parameters"/> to the app / mini-program / JSAPI pay call.</summary>
    ClientParameters = 2,
    /// <summary>Nothing: the provider completed the payment at once (balance).</summary>
    Completed = 3,
}

/// <summary>The client action for a created payment.</summary>
/// <param name="Kind">What to do.</param>
/// <param name="Url">URL to open, for <see cref="PaymentActionKind.Redirect"/>.</param>
/// <param name="QrCode">QR code content, for <see cref="PaymentActionKind.QrCode"/>.</param>
/// <param name="Parameters">Signed parameters, for <see cref="PaymentActionKind.ClientParameters"/>.</param>
/// <param name="Completion">
/// For <see cref="PaymentActionKind.Completed"/>: the provider's confirmation of the capture, which the ledger records
/// like a verified notification.
/// </param>
public sealed record PaymentAction(PaymentActionKind Kind, string? Url = null, string? QrCode = null, IReadOnlyDictionary<string, string>? Parameters = null,
    PaymentNotification? Completion = null);

/// <summary>A raw notification as it arrived.</summary>
/// <param name="Headers">Request headers (signature, timestamps, serial numbers…), case-insensitive.</param>
/// <param name="Body">The body exactly as received.</param>
public sealed record ProviderNotification(IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>What an authentic notification says, normalised.</summary>
/// <param name="EventId">
/// The provider's id of this notification (repeats carry the same id). Empty when the provider gives none: the
/// ledger then identifies the event by its payment, kind, transaction and refund, so distinct events never collapse.
/// </param>
/// <param name="PaymentNumber">The ledger's payment number.</param>
/// <param name="Kind">
/// What happened: <see cref="PaymentEventKind.Captured"/>, <see cref="PaymentEventKind.Authorized"/>,
/// <see cref="PaymentEventKind.Failed"/>, <see cref="PaymentEventKind.Voided"/>, or for a refund notice
/// <see cref="PaymentEventKind.Refunded"/> / <see cref="PaymentEventKind.RefundFailed"/> (with <see cref="Refund"/>).
/// The ledger refuses any other.
/// </param>
/// <param name="Amount">The payment's amount as the provider reports it (for a refund notice too: the trade's total).</param>
/// <param name="Currency">Currency the provider reports.</param>
/// <param name="ProviderReference">The provider's transaction id.</param>
public sealed record PaymentNotification(string EventId, string PaymentNumber, PaymentEventKind Kind, decimal Amount, string Currency, string ProviderReference)
{
    /// <summary>For a refund notice: which refund, and how much, as far as the provider says.</summary>
    public RefundNotice? Refund { get; init; }
}

/// <summary>What a provider's refund notice says of the refund.</summary>
/// <param name="RefundNumber">
/// The refund number the provider echoes (<see cref="ProviderRefundRequest.RefundNumber"/>: WeChat Pay's
/// <c>out_refund_no</c>, Alipay's <c>out_biz_no</c>); null or unknown for a refund made outside Mall.
/// </param>
/// <param name="Amount">This refund's amount, when the provider says (WeChat Pay's <c>amount.refund</c>).</param>
/// <param name="RefundedTotal">What the provider has refunded of the payment in all, when it says that instead (Alipay's <c>refund_fee</c>).</param>
/// <param name="ProviderReference">The provider's id of the refund.</param>
public sealed record RefundNotice(string? RefundNumber, decimal? Amount = null, decimal? RefundedTotal = null, string? ProviderReference = null);

/// <summary>An HTTP answer to a provider.</summary>
/// <param name="StatusCode">HTTP status.</param>
/// <param name="ContentType">Content type.</param>
/// <param name="Body">Body.</param>
public sealed record NotificationAnswer(int StatusCode, string ContentType, string Body);

/// <summary>A refund to make at the provider.</summary>
/// <param name="RefundNumber">The ledger's refund number (idempotency key at the provider).</param>
/// <param name="CustomerId">Who paid.</param>
/// <param name="PaymentNumber">The payment refunded.</param>
/// <param name="ProviderReference">The provider's transaction id of the payment.</param>
/// <param name="Amount">Amount to refund.</param>
/// <param name="PaymentAmount">The whole payment.</param>
/// <param name="Currency">Currency.</param>
/// <param name="Reason">Why.</param>
public sealed record ProviderRefundRequest(string RefundNumber, long CustomerId, string PaymentNumber, string? ProviderReference, decimal Amount, decimal PaymentAmount, string Currency, string Reason);

/// <summary>The provider's answer to a refund.</summary>
/// <param name="Succeeded">Whether the money is on its way back.</param>
/// <param name="ProviderReference">The provider's refund id.</param>
/// <param name="Error">Why not.</param>
public sealed record ProviderRefundResult(bool Succeeded, string? ProviderReference, string? Error);
