using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mall.Common;
using Mall.Payments;
using Microsoft.Extensions.Options;

namespace Mall.Web.Payments;

/// <summary>
/// A payment method for development and tests that behaves like a real gateway: creating a payment gives a cashier
/// URL on the sandbox gateway (<c>/api/sandbox/pay/{number}</c>, mapped with development payments), which, when
/// "paid", posts an HMAC-SHA256-signed notification over HTTP to the mall's notify URL.
/// </summary>
/// <remarks>
/// Notification protocol: <c>POST</c> JSON <c>{eventId, paymentNumber, status: "captured"|"failed", amount, currency,
/// transactionId}</c> with header <c>X-Sandbox-Signature</c> = lowercase hex HMAC-SHA256 of the body. The mall
/// answers <c>200 {"code":"SUCCESS"}</c> when it took the notification (also for a repeat) and
/// <c>400 {"code":"FAIL","message":…}</c> when it refused it; a gateway retries on anything but 200.
/// </remarks>
internal sealed class SandboxPaymentProvider(IOptions<MallOptions> mallOptions) : IPaymentProvider
{
    /// <summary>The provider name.</summary>
    public const string ProviderName = "sandbox";

    /// <summary>Header carrying the notification signature.</summary>
    public const string SignatureHeader = "X-Sandbox-Signature";

    private readonly byte[] _key = mallOptions.Value.Payments.Sandbox.Secret is { Length: > 0 } secret ? Encoding.UTF8.GetBytes(secret) : RandomNumberGenerator.GetBytes(32);

    /// <inheritdoc />
    public string Name => ProviderName;

    /// <inheritdoc />
    public PaymentCapabilities Capabilities => PaymentCapabilities.Refund | PaymentCapabilities.PartialRefund;

    /// <inheritdoc />
    public Task<PaymentAction> CreateAsync(PaymentRequest request, CancellationToken cancellationToken)
    {
        if (mallOptions.Value.Payments.Sandbox.Enabled != true)
            throw new MallConflictException("The sandbox payment method is for development only and is off here.") { Code = "payment.sandbox_off" };
        var notify = new Uri(request.NotifyUrl);
        var amount = request.Amount.ToString("0.00", CultureInfo.InvariantCulture);
        var query = $"amount={amount}&currency={Uri.EscapeDataString(request.Currency)}&notify={Uri.EscapeDataString(request.NotifyUrl)}" +
                    $"&sig={Sign($"{request.PaymentNumber}|{amount}|{request.Currency}|{request.NotifyUrl}")}";
        var url = $"{notify.GetLeftPart(UriPartial.Authority)}{MallRoutes.SandboxGateway}/pay/{Uri.EscapeDataString(request.PaymentNumber)}?{query}";
        return Task.FromResult(new PaymentAction(PaymentActionKind.Redirect, Url: url));
    }

    /// <inheritdoc />
    public Task<PaymentNotification?> VerifyNotificationAsync(ProviderNotification notification, CancellationToken cancellationToken)
    {
        if (mallOptions.Value.Payments.Sandbox.Enabled != true || !notification.Headers.TryGetValue(SignatureHeader, out var signature) || !Verify(notification.Body, signature))
            return Task.FromResult<PaymentNotification?>(null);
        var body = JsonSerializer.Deserialize<SandboxNotification>(notification.Body, JsonSerializerOptions.Web)
            ?? throw new FormatException("empty notification");
        var kind = body.Status switch
        {
            "captured" => PaymentEventKind.Captured,
            "failed" => PaymentEventKind.Failed,
            _ => throw new FormatException($"unknown status '{body.Status}'"),
        };
        return Task.FromResult<PaymentNotification?>(new PaymentNotification(body.EventId, body.PaymentNumber, kind,
            decimal.Parse(body.Amount, NumberStyles.Number, CultureInfo.InvariantCulture), body.Currency, body.TransactionId));
    }

    /// <inheritdoc />
    public NotificationAnswer Answer(bool accepted, string message) => accepted
        ? new NotificationAnswer(200, "application/json", """{"code":"SUCCESS"}""")
        : new NotificationAnswer(400, "application/json", JsonSerializer.Serialize(new { code = "FAIL", message }));

    /// <inheritdoc />
    public Task<ProviderRefundResult> RefundAsync(ProviderRefundRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(request.Amount <= 0 || request.Amount > request.PaymentAmount
            ? new ProviderRefundResult(false, null, "amount out of range")
            : new ProviderRefundResult(true, "SBXR" + request.RefundNumber, null));

    /// <summary>Lowercase hex HMAC-SHA256 of <paramref name="text"/> with the sandbox key.</summary>
    public string Sign(string text) => Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(text)));

    /// <summary>Whether <paramref name="signature"/> signs <paramref name="text"/> (constant time).</summary>
    public bool Verify(string text, string signature) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(text)), Encoding.ASCII.GetBytes(signature.Trim().ToLowerInvariant()));
}

/// <summary>The sandbox gateway's notification body.</summary>
/// <param name="EventId">Notification id (repeats carry the same).</param>
/// <param name="PaymentNumber">The mall's payment number.</param>
/// <param name="Status"><c>captured</c> or <c>failed</c>.</param>
/// <param name="Amount">Amount, e.g. <c>99.50</c>.</param>
/// <param name="Currency">Currency.</param>
/// <param name="TransactionId">The gateway's transaction id.</param>
internal sealed record SandboxNotification(string EventId, string PaymentNumber, string Status, string Amount, string Currency, string TransactionId);
