using System.Data.Common;
using System.Security.Cryptography;
using Dapper;
using Mall.Common;
using Mall.Data;
using Mall.Events;
using Mall.Ordering;
using Mall.Plugins;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mall.Payments.Services;

/// <summary>Default <see cref="IPaymentService"/>: the ledger in the Mall database, providers from the extension registry.</summary>
internal sealed class PaymentService(
    IMallDatabase database, IOrderService orders, IExtensionRegistry extensions, IDomainEventDispatcher events,
    IOptions<MallOptions> options, Mall.Diagnostics.MallMetrics metrics, Mall.Outbox.IOutbox outbox, TimeProvider clock, ILogger<PaymentService> logger) : IPaymentService
{
    /// <inheritdoc />
    public Task<PaymentStart> StartAsync(long orderId, long customerId, string provider, string notifyUrl, CancellationToken cancellationToken = default) =>
        StartAsync(orderId, customerId, provider, notifyUrl, null, cancellationToken);

    /// <inheritdoc />
    public async Task<PaymentStart> StartAsync(long orderId, long customerId, string provider, string notifyUrl, IReadOnlyDictionary<string, string>? clientParameters, CancellationToken cancellationToken = default)
    {
        if (clientParameters is { Count: > 20 } || clientParameters?.Any(p => p.Key.Length > 50 || p.Value is null || p.Value.Length > 500) == true)
            throw new MallValidationException("parameters", "at most 20 parameters, names up to 50 and values up to 500 characters.");
        var order = await orders.FindAsync(orderId, customerId, cancellationToken).ConfigureAwait(false)
            ?? throw new MallNotFoundException($"Order {orderId} does not exist.");
        if (order.Status != OrderStatus.PendingPayment)
            throw new MallConflictException($"Order {order.Number} is not waiting for payment.") { Code = "payment.order_not_payable" };
        using var providers = extensions.Acquire<IPaymentProvider>();
        var gateway = Find(providers, provider) ?? throw new MallNotFoundException($"There is no payment method '{provider}'.");

        var now = clock.GetUtcNow().UtcDateTime;
        var number = $"PAY{now:yyyyMMddHHmmss}{RandomNumberGenerator.GetInt32(100_000_000):D8}";
        var currency = options.Value.Currency;
        await database.InTransactionAsync(async tx =>
        {
            var paymentId = await tx.Connection!.ExecuteScalarAsync<long>(new CommandDefinition(
                database.Dialect.InsertReturningId(
                    "INSERT INTO mall_payment (number, order_id, customer_id, provider, amount, currency, status, provider_reference, created_at, updated_at) " +
                    "VALUES (@number, @orderId, @customerId, @provider, @amount, @currency, @status, NULL, @now, @now)", "id"),
                new { number, orderId, customerId, provider = gateway.Name, amount = Money.ToCents(order.Total), currency, status = (short)PaymentStatus.Created, now },
                tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await AppendAsync(tx, paymentId, PaymentEventKind.Created, Money.ToCents(order.Total), null, $"created:{number}", null, now, cancellationToken).ConfigureAwait(false);
            return paymentId;
        }, cancellationToken).ConfigureAwait(false);

        PaymentAction action;
        try
        {
            action = await gateway.CreateAsync(new PaymentRequest(number, order.Number, customerId, order.Total, currency, $"Order {order.Number}", notifyUrl)
            {
                ClientParameters = clientParameters ?? new Dictionary<string, string>(),
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not MallException)
        {
            logger.LogError(ex, "Payment provider {Provider} could not create payment {Number}.", gateway.Name, number);
            throw new MallConflictException($"The payment method '{gateway.Name}' is not available now; try again or choose another.") { Code = "payment.provider_failed" };
        }
        // A provider that captured at once (the balance) hands its confirmation over; it is recorded like a notification.
        if (action is { Kind: PaymentActionKind.Completed, Completion: { } completion })
        {
            var outcome = await database.InTransactionAsync(tx => ApplyAsync(tx, gateway.Name, completion, cancellationToken), cancellationToken).ConfigureAwait(false);
            if (outcome.Rejection is { } rejection) throw new InvalidOperationException($"The {gateway.Name} capture of {number} was refused by the ledger: {rejection}");
            foreach (var change in outcome.OrderChanges) await events.DispatchAsync(change, cancellationToken).ConfigureAwait(false);
        }
        return new PaymentStart(number, action);
    }

    /// <inheritdoc />
    public async Task<NotificationAnswer> HandleNotificationAsync(string provider, ProviderNotification notification, CancellationToken cancellationToken = default)
    {
        using var providers = extensions.Acquire<IPaymentProvider>();
        var gateway = Find(providers, provider) ?? throw new MallNotFoundException($"There is no payment method '{provider}'.");

        PaymentNotification? verified;
        try
        {
            verified = await gateway.VerifyNotificationAsync(notification, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "A {Provider} notification could not be read.", gateway.Name);
            verified = null;
        }
        if (verified is null)
        {
            logger.LogWarning("A {Provider} notification failed verification and was ignored.", gateway.Name);
            metrics.PaymentNotification(gateway.Name, "unverified");
            return gateway.Answer(false, "verification failed");
        }

        var outcome = await database.InTransactionAsync(tx => ApplyAsync(tx, gateway.Name, verified, cancellationToken), cancellationToken).ConfigureAwait(false);
        if (outcome.Rejection is { } rejection)
        {
            logger.LogWarning("{Provider} notification {EventId} for payment {Number} was refused: {Reason}", gateway.Name, verified.EventId, verified.PaymentNumber, rejection);
            metrics.PaymentNotification(gateway.Name, "refused");
            return gateway.Answer(false, rejection);
        }
        foreach (var change in outcome.OrderChanges) await events.DispatchAsync(change, cancellationToken).ConfigureAwait(false);
        var late = outcome.IsLateCapture;
        metrics.PaymentNotification(gateway.Name, late ? "late" : outcome.OrderChanges.Count > 0 ? "applied" : "recorded");
        if (late) await RefundLateAsync(verified.PaymentNumber, outcome.Note!, cancellationToken).ConfigureAwait(false);
        return gateway.Answer(true, "OK");
    }

    /// <summary>The start of the note of a capture that arrived when its order no longer waited for it.</summary>
    private const string LateCaptureNote = "late: order ";

    /// <summary>
    /// Refunds in full a payment captured after its order stopped waiting for it (cancelled, or paid by another
    /// payment), to the payment's own order and without moving it. Each try has its own refund key, so a try after a
    /// refused one asks the provider again; a repeat of a made refund changes nothing. False when the provider did not
    /// refund (the late-refund job tries again).
    /// </summary>
    internal async Task<bool> RefundLateAsync(string paymentNumber, string why, CancellationToken cancellationToken)
    {
        long amount, failures;
        string provider;
        await using (var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            (amount, provider) = await connection.QuerySingleAsync<(long, string)>(new CommandDefinition(
                "SELECT amount, provider FROM mall_payment WHERE number = @paymentNumber", new { paymentNumber }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            failures = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COUNT(*) FROM mall_payment_event WHERE kind = @failed AND idempotency_key LIKE @prefix",
                new { failed = (short)PaymentEventKind.RefundFailed, prefix = $"refund:{paymentNumber}:late%" }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        try
        {
            await RefundAsync(paymentNumber, Money.FromCents(amount), failures == 0 ? "late" : $"late-{failures}",
                $"paid after its order stopped waiting ({why})", LateRefundActor, cancellationToken).ConfigureAwait(false);
            logger.LogWarning("Payment {Number} was captured after its order stopped waiting for it ({Note}) and was refunded.", paymentNumber, why);
            metrics.PaymentNotification(provider, "late_refunded");
            return true;
        }
        catch (MallException ex)
        {
            logger.LogError(ex, "Payment {Number} was captured after its order stopped waiting for it ({Note}), and could not be refunded yet; the late-refund job tries again.", paymentNumber, why);
            return false;
        }
    }

    /// <summary>Who the ledger names for a late payment's refund.</summary>
    internal const string LateRefundActor = "system:late-payment";

    /// <summary>Captured payments with a late capture and nothing refunded, oldest first, at most <paramref name="max"/>.</summary>
    internal async Task<IReadOnlyList<(string Number, string Note)>> LateUnrefundedAsync(int max, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<(string, string)>(new CommandDefinition(
            "SELECT p.number, e.note FROM mall_payment p JOIN mall_payment_event e ON e.payment_id = p.id AND e.kind = @captured AND e.note LIKE @late " +
            $"WHERE p.status = @status ORDER BY p.id {database.Dialect.Page("@skip", "@max")}",
            new { captured = (short)PaymentEventKind.Captured, late = LateCaptureNote + "%", status = (short)PaymentStatus.Captured, skip = 0, max }, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
    }

    private async Task<Outcome> ApplyAsync(DbTransaction tx, string provider, PaymentNotification notification, CancellationToken cancellationToken)
    {
        // What no notification can say, whatever the provider: refused before anything is read or written.
        if (!Enum.IsDefined(notification.Kind) || notification.Kind is PaymentEventKind.Created or PaymentEventKind.RefundConfirmed)
            return Outcome.Refused($"'{notification.Kind}' is not a status a notification reports");
        if (string.IsNullOrWhiteSpace(notification.PaymentNumber)) return Outcome.Refused("the notification names no payment");
        if (notification.ProviderReference is { Length: > MaxReferenceLength } || notification.Refund?.ProviderReference is { Length: > MaxReferenceLength })
            return Outcome.Refused($"the provider reference is longer than {MaxReferenceLength} characters");
        if (string.IsNullOrWhiteSpace(notification.Currency)) return Outcome.Refused("the notification names no currency");

        var connection = tx.Connection!;
        if (await LockAsync(tx, notification.PaymentNumber, cancellationToken).ConfigureAwait(false) is not { } payment)
            return Outcome.Refused($"no payment {notification.PaymentNumber}");
        if (!string.Equals(payment.Provider, provider, StringComparison.Ordinal)) return Outcome.Refused($"payment {payment.Number} belongs to {payment.Provider}");
        // Every notification, refund notices included, reports the payment's own amount and currency.
        if (decimal.Round(notification.Amount, 2) != notification.Amount || Money.ToCents(notification.Amount) != payment.Amount ||
            !string.Equals(notification.Currency, payment.Currency, StringComparison.OrdinalIgnoreCase))
            return Outcome.Refused($"amount {notification.Amount} {notification.Currency} does not match {Money.FromCents(payment.Amount)} {payment.Currency}");

        var now = clock.GetUtcNow().UtcDateTime;
        var key = EventKey(provider, payment.Number, notification);
        if (notification.Kind is PaymentEventKind.Refunded or PaymentEventKind.RefundFailed)
            return await ApplyRefundNoticeAsync(tx, payment, notification, key, now, cancellationToken).ConfigureAwait(false);

        string note;
        var paid = false;
        PaymentStatus? status = null;
        switch (notification.Kind)
        {
            // Money once taken is never taken again: a capture notice for a captured or (partly) refunded payment is
            // acknowledged and recorded, and changes nothing (a refund notice that looks like a capture is one of these).
            case PaymentEventKind.Captured when payment.Status is (short)PaymentStatus.Captured or (short)PaymentStatus.Refunded or (short)PaymentStatus.PartiallyRefunded:
                note = payment.Status == (short)PaymentStatus.Captured ? "already captured" : $"already captured (payment {Name((PaymentStatus)payment.Status)})";
                break;
            case PaymentEventKind.Captured:
            {
                var orderStatus = await orders.LockStatusAsync(tx, payment.OrderId, cancellationToken).ConfigureAwait(false);
                paid = orderStatus == OrderStatus.PendingPayment;
                note = paid ? "order paid" : LateCaptureNote + Name(orderStatus);
                status = PaymentStatus.Captured;
                break;
            }
            case PaymentEventKind.Failed when payment.Status == (short)PaymentStatus.Created:
                note = "payment failed";
                status = PaymentStatus.Failed;
                break;
            default:
                note = $"recorded ({Name(notification.Kind)})";
                break;
        }

        // The unique key makes a repeat a no-op; nothing else was written before it.
        if (!await AppendAsync(tx, payment.Id, notification.Kind, payment.Amount, notification.ProviderReference, key, note, now, cancellationToken).ConfigureAwait(false))
            return Outcome.Duplicate;
        if (status is { } newStatus)
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE mall_payment SET status = @status, provider_reference = @reference, updated_at = @now WHERE id = @id",
                new { status = (short)newStatus, reference = notification.ProviderReference, now, id = payment.Id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (!paid) return new Outcome([], null, note);
        var change = await orders.MarkPaidAsync(tx, payment.OrderId, $"payment:{provider}", $"payment {payment.Number} ({notification.ProviderReference})", cancellationToken).ConfigureAwait(false);
        return new Outcome(change is null ? [] : [change], null, note);
    }

    /// <summary>
    /// A provider's notice that a refund went through or failed. A refund Mall made (found by the refund number the
    /// provider echoes) is confirmed, or, when Mall had recorded it as failed, reconciled as made; one made outside Mall
    /// (the merchant's gateway console) is reconciled into the ledger and the order, like a refund made here. A failure
    /// of a refund Mall had taken as made frees its amount again. Nothing here ever captures.
    /// </summary>
    private async Task<Outcome> ApplyRefundNoticeAsync(DbTransaction tx, PaymentRow payment, PaymentNotification notification, string key, DateTime now, CancellationToken cancellationToken)
    {
        var notice = notification.Refund;
        if (notice?.Amount is { } noticed && (noticed <= 0 || decimal.Round(noticed, 2) != noticed || Money.ToCents(noticed) > payment.Amount))
            return Outcome.Refused($"refund amount {noticed} is not within the payment's {Money.FromCents(payment.Amount)}");
        var refunds = (await tx.Connection!.QueryAsync<(string Key, short Kind, long Amount)>(new CommandDefinition(
            "SELECT idempotency_key, kind, amount FROM mall_payment_event WHERE payment_id = @id AND kind IN (@refunded, @failed)",
            new { id = payment.Id, refunded = (short)PaymentEventKind.Refunded, failed = (short)PaymentEventKind.RefundFailed }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        var made = notice?.RefundNumber is { Length: > 0 } number
            ? refunds.Where(r => r.Kind == (short)PaymentEventKind.Refunded && RefundNumberOf(r.Key) == number).Select(r => ((string Key, long Amount)?)(r.Key, r.Amount)).FirstOrDefault()
            : null;
        if (made is { } m && notice?.Amount is { } said && Money.ToCents(said) != m.Amount)
            return Outcome.Refused($"refund {notice.RefundNumber} is of {Money.FromCents(m.Amount)}, not {said}");
        var reference = notice?.ProviderReference ?? notification.ProviderReference;
        var actor = $"payment:{payment.Provider}";

        if (notification.Kind == PaymentEventKind.RefundFailed)
        {
            if (made is not { } failed)
                return await AppendAsync(tx, payment.Id, PaymentEventKind.RefundFailed, 0, reference, key, "a refund Mall did not make failed at the provider", now, cancellationToken).ConfigureAwait(false)
                    ? new Outcome([], null, "recorded (refund failed)") : Outcome.Duplicate;
            // Shares its key with the failure Mall records when the provider refuses at once: freed at most once.
            if (!await AppendAsync(tx, payment.Id, PaymentEventKind.RefundFailed, failed.Amount, reference, $"{failed.Key}:failed", "the provider reported the refund failed", now, cancellationToken).ConfigureAwait(false))
                return Outcome.Duplicate;
            var left = await RefundedAsync(tx, payment.Id, cancellationToken).ConfigureAwait(false);
            var status = left <= 0 ? PaymentStatus.Captured : left < payment.Amount ? PaymentStatus.PartiallyRefunded : PaymentStatus.Refunded;
            await SetStatusAsync(tx, payment.Id, status, now, cancellationToken).ConfigureAwait(false);
            logger.LogError("Refund {Refund} of payment {Number} ({Amount}) failed at {Provider}; its amount is refundable again and order {OrderId} needs attention.",
                notice!.RefundNumber, payment.Number, Money.FromCents(failed.Amount), payment.Provider, payment.OrderId);
            return new Outcome([], null, "refund failed at the provider");
        }

        if (made is { } confirmed)
        {
            var compensated = refunds.Any(r => r.Kind == (short)PaymentEventKind.RefundFailed && r.Key == $"{confirmed.Key}:failed");
            if (!compensated)
                return await AppendAsync(tx, payment.Id, PaymentEventKind.RefundConfirmed, confirmed.Amount, reference, key, "refund confirmed by the provider", now, cancellationToken).ConfigureAwait(false)
                    ? new Outcome([], null, "refund confirmed") : Outcome.Duplicate;
            // Mall took the refund for failed (a timeout, say), but the money went back: it counts again, once.
            if (!await AppendAsync(tx, payment.Id, PaymentEventKind.Refunded, confirmed.Amount, reference, $"{confirmed.Key}:confirmed", "refund made after all (confirmed by the provider)", now, cancellationToken).ConfigureAwait(false))
                return Outcome.Duplicate;
            return new Outcome(await SettleRefundAsync(tx, payment, actor, "refund confirmed by the provider", notice!.RefundNumber!, now, cancellationToken).ConfigureAwait(false), null, "refund reconciled");
        }

        // Not a refund of Mall's: what the provider says was refunded beyond what the ledger knows.
        var known = await RefundedAsync(tx, payment.Id, cancellationToken).ConfigureAwait(false);
        var outside = notice?.Amount is { } amount ? Money.ToCents(amount) : notice?.RefundedTotal is { } total ? Money.ToCents(total) - known : 0;
        if (outside <= 0)
            return await AppendAsync(tx, payment.Id, PaymentEventKind.RefundConfirmed, 0, reference, key, "refund reported by the provider", now, cancellationToken).ConfigureAwait(false)
                ? new Outcome([], null, "refund reported") : Outcome.Duplicate;
        if (!await AppendAsync(tx, payment.Id, PaymentEventKind.Refunded, outside, reference, key, "refund made at the provider, reconciled", now, cancellationToken).ConfigureAwait(false))
            return Outcome.Duplicate;
        if (known + outside > payment.Amount)
            logger.LogError("{Provider} reports refunds of payment {Number} beyond its amount ({Refunded} of {Amount}).", payment.Provider, payment.Number,
                Money.FromCents(known + outside), Money.FromCents(payment.Amount));
        return new Outcome(await SettleRefundAsync(tx, payment, actor, "refund made at the provider", notice?.RefundNumber ?? reference, now, cancellationToken).ConfigureAwait(false),
            null, "refund reconciled");
    }

    /// <summary>
    /// After a refund counted in the ledger: the payment is refunded in full or in part, and a paid or shipped order
    /// follows (a late payment's cancelled order stays as it is).
    /// </summary>
    private async Task<List<OrderStatusChangedEvent>> SettleRefundAsync(DbTransaction tx, PaymentRow payment, string actor, string reason, string refundNumber, DateTime now, CancellationToken cancellationToken)
    {
        var refunded = await RefundedAsync(tx, payment.Id, cancellationToken).ConfigureAwait(false);
        var full = refunded >= payment.Amount;
        await SetStatusAsync(tx, payment.Id, full ? PaymentStatus.Refunded : PaymentStatus.PartiallyRefunded, now, cancellationToken).ConfigureAwait(false);
        await outbox.AddAsync(tx, Mall.Outbox.MallEventTypes.PaymentRefunded, $"order:{payment.OrderId}",
            new RefundEventData(payment.Id, payment.Number, payment.OrderId, payment.Provider, refundNumber, Money.FromCents(payment.Amount), Money.FromCents(refunded), full, actor),
            cancellationToken).ConfigureAwait(false);
        // A late payment never paid its order (another one did, or it was cancelled): its refund leaves the order be.
        if (await tx.Connection!.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COUNT(*) FROM mall_payment_event WHERE payment_id = @id AND kind = @captured AND note LIKE @late",
                new { id = payment.Id, captured = (short)PaymentEventKind.Captured, late = LateCaptureNote + "%" }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false) > 0)
            return [];
        var status = await orders.LockStatusAsync(tx, payment.OrderId, cancellationToken).ConfigureAwait(false);
        var list = new List<OrderStatusChangedEvent>();
        if (status is OrderStatus.Paid or OrderStatus.Shipped)
        {
            list.Add(await orders.ApplyAsync(tx, payment.OrderId, OrderTrigger.RequestRefund, actor, reason, cancellationToken).ConfigureAwait(false));
            status = OrderStatus.RefundRequested;
        }
        if (status is OrderStatus.RefundRequested || (status is OrderStatus.PartiallyRefunded && full))
            list.Add(await orders.ApplyAsync(tx, payment.OrderId, full ? OrderTrigger.Refund : OrderTrigger.RefundPartially, $"payment:{payment.Provider}", $"refund {refundNumber}", cancellationToken).ConfigureAwait(false));
        return list;
    }

    private static Task SetStatusAsync(DbTransaction tx, long paymentId, PaymentStatus status, DateTime now, CancellationToken cancellationToken) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition(
            "UPDATE mall_payment SET status = @status, updated_at = @now WHERE id = @id",
            new { status = (short)status, now, id = paymentId }, tx, cancellationToken: cancellationToken));

    /// <summary>
    /// The ledger key of a notification: scoped to its provider and payment, so that two payments' events never share
    /// one; the provider's event id, or, when it gives none, an identity derived from what the notification says
    /// (status, transaction, refund), so that distinct events stay distinct and repeats stay repeats. Bounded in length.
    /// </summary>
    internal static string EventKey(string provider, string paymentNumber, PaymentNotification notification)
    {
        var id = string.IsNullOrWhiteSpace(notification.EventId)
            ? $"~{Name(notification.Kind)}|{notification.ProviderReference}|{notification.Refund?.RefundNumber}|{notification.Refund?.ProviderReference}"
            : notification.EventId.Trim();
        var key = $"{provider}:{paymentNumber}:{id}";
        return key.Length <= MaxKeyLength ? key : $"{provider}:{paymentNumber}:#{Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(id)))}";
    }

    /// <summary>The refund number Mall gives the provider for a refund's ledger key (the provider's idempotency key).</summary>
    private static string RefundNumberOf(string key) => "RF" + Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)))[..30];

    private static string Name<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    private const int MaxKeyLength = 200;
    private const int MaxReferenceLength = 100;

    /// <inheritdoc />
    public async Task<Payment> RefundAsync(string paymentNumber, decimal amount, string refundKey, string reason, string actor, CancellationToken cancellationToken = default)
    {
        var errors = new ValidationErrors();
        errors.Required("paymentNumber", paymentNumber, 40);
        errors.Required("refundKey", refundKey, 100);
        errors.Required("reason", reason, 200);
        errors.Required("actor", actor, 100);
        if (amount <= 0 || decimal.Round(amount, 2) != amount) errors.Add("amount", "must be positive, in cents at most.");
        errors.ThrowIfAny();
        var number = paymentNumber.Trim();
        var key = $"refund:{number}:{refundKey.Trim()}";
        var refundNumber = RefundNumberOf(key);
        var cents = Money.ToCents(amount);
        using var providers = extensions.Acquire<IPaymentProvider>();

        // 1. Claim: the refund event is appended first (its key makes a repeat a no-op, its amount counts against what
        //    is left), so two refunds of one payment can never exceed it, whatever the provider does meanwhile.
        var claim = await database.InTransactionAsync(async tx =>
        {
            var payment = await LockAsync(tx, number, cancellationToken).ConfigureAwait(false) ?? throw new MallNotFoundException($"There is no payment {number}.");
            if (await CountKeyAsync(tx, key, cancellationToken).ConfigureAwait(false) > 0) return (Payment: payment, Gateway: (IPaymentProvider?)null, Full: false);
            if (payment.Status is not ((short)PaymentStatus.Captured or (short)PaymentStatus.PartiallyRefunded))
                throw new MallConflictException($"Payment {payment.Number} is {((PaymentStatus)payment.Status).ToString().ToLowerInvariant()}; only captured payments are refunded.") { Code = "payment.not_refundable" };
            var refunded = await RefundedAsync(tx, payment.Id, cancellationToken).ConfigureAwait(false);
            if (refunded + cents > payment.Amount)
                throw new MallConflictException($"Payment {payment.Number} has {Money.FromCents(payment.Amount - refunded)} {payment.Currency} left to refund; {amount} asked.") { Code = "payment.refund_exceeds" };
            var gateway = Find(providers, payment.Provider)
                ?? throw new MallConflictException($"The payment method '{payment.Provider}' is not available now.") { Code = "payment.provider_unavailable" };
            if (!gateway.Capabilities.HasFlag(PaymentCapabilities.Refund) || (cents != payment.Amount && !gateway.Capabilities.HasFlag(PaymentCapabilities.PartialRefund)))
                throw new MallConflictException($"The payment method '{payment.Provider}' cannot refund {(cents == payment.Amount ? "" : "part of ")}a payment.") { Code = "payment.refund_unsupported" };
            await AppendAsync(tx, payment.Id, PaymentEventKind.Refunded, cents, null, key, $"{actor.Trim()}: {reason.Trim()}", clock.GetUtcNow().UtcDateTime, cancellationToken).ConfigureAwait(false);
            return (Payment: payment, Gateway: (IPaymentProvider?)gateway, Full: refunded + cents == payment.Amount);
        }, cancellationToken).ConfigureAwait(false);
        if (claim.Gateway is null) return await ReadAsync(claim.Payment, number, cancellationToken).ConfigureAwait(false);

        // 2. The provider, outside any transaction (it may call back into Mall, as the balance does); it gets the same
        //    refund number for the same key.
        ProviderRefundResult result;
        try
        {
            result = await claim.Gateway.RefundAsync(new ProviderRefundRequest(refundNumber, claim.Payment.CustomerId, number, claim.Payment.ProviderReference, amount,
                Money.FromCents(claim.Payment.Amount), claim.Payment.Currency, reason.Trim()), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            result = new ProviderRefundResult(false, null, ex.Message);
        }

        // 3. Settle: a refused refund is compensated in the ledger (its amount is free again); a made one moves the
        //    payment and, for a paid or shipped order, the order.
        var changes = await database.InTransactionAsync(async tx =>
        {
            var payment = (await LockAsync(tx, number, cancellationToken).ConfigureAwait(false))!;
            var now = clock.GetUtcNow().UtcDateTime;
            if (!result.Succeeded)
            {
                await AppendAsync(tx, payment.Id, PaymentEventKind.RefundFailed, cents, null, $"{key}:failed", result.Error, now, cancellationToken).ConfigureAwait(false);
                return [];
            }
            return await SettleRefundAsync(tx, payment, actor.Trim(), reason.Trim(), refundNumber, now, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        foreach (var change in changes) await events.DispatchAsync(change, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
            throw new MallConflictException($"{claim.Payment.Provider} refused the refund: {result.Error}") { Code = "payment.refund_failed" };
        return await ReadAsync(claim.Payment, number, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Closes the unpaid payments of a cancelled order in the ledger (a <see cref="PaymentEventKind.Voided"/> event
    /// each, once), so that timeouts go through the ledger too. Returns how many were closed.
    /// </summary>
    internal Task<int> CloseUnpaidAsync(long orderId, string reason, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async tx =>
        {
            var open = (await tx.Connection!.QueryAsync<(long Id, string Number, long Amount)>(new CommandDefinition(
                $"SELECT id, number, amount FROM mall_payment WHERE order_id = @orderId AND status = @created{database.Dialect.ForUpdate}",
                new { orderId, created = (short)PaymentStatus.Created }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
            var now = clock.GetUtcNow().UtcDateTime;
            foreach (var (id, number, amount) in open)
            {
                if (!await AppendAsync(tx, id, PaymentEventKind.Voided, amount, null, $"closed:{number}", reason, now, cancellationToken).ConfigureAwait(false)) continue;
                await tx.Connection!.ExecuteAsync(new CommandDefinition(
                    "UPDATE mall_payment SET status = @closed, updated_at = @now WHERE id = @id AND status = @created",
                    new { closed = (short)PaymentStatus.Closed, created = (short)PaymentStatus.Created, now, id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            }
            return open.Count;
        }, cancellationToken);

    /// <inheritdoc />
    public async Task<Payment> RefundLineAsync(long orderId, long skuId, string refundKey, string reason, string actor, CancellationToken cancellationToken = default)
    {
        var order = await orders.FindAsync(orderId, null, cancellationToken).ConfigureAwait(false) ?? throw new MallNotFoundException($"Order {orderId} does not exist.");
        var line = order.Lines.FirstOrDefault(l => l.SkuId == skuId && !l.IsGift) ?? throw new MallNotFoundException($"Order {order.Number} has no line of SKU {skuId}.");
        var payment = (await ListAsync(orderId, cancellationToken).ConfigureAwait(false))
            .LastOrDefault(p => p.Status is PaymentStatus.Captured or PaymentStatus.PartiallyRefunded or PaymentStatus.Refunded)
            ?? throw new MallConflictException($"Order {order.Number} has no captured payment to refund from.") { Code = "payment.not_refundable" };
        // What the shopper paid for the line: its amount less its share of the discounts.
        return await RefundAsync(payment.Number, line.LineTotal - line.Discount, $"line:{skuId}:{refundKey}", reason, actor, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<Payment> SyncAsync(string paymentNumber, CancellationToken cancellationToken = default)
    {
        PaymentRow row;
        await using (var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            row = (await connection.QueryAsync<PaymentRow>(new CommandDefinition(
                $"SELECT {PaymentColumns} FROM mall_payment WHERE number = @paymentNumber", new { paymentNumber }, cancellationToken: cancellationToken)).ConfigureAwait(false)).FirstOrDefault()
                ?? throw new MallNotFoundException($"Payment {paymentNumber} does not exist.");
        }
        using var providers = extensions.Acquire<IPaymentProvider>();
        var gateway = Find(providers, row.Provider) ?? throw new MallNotFoundException($"The payment method '{row.Provider}' is not installed.");
        if (!gateway.Capabilities.HasFlag(PaymentCapabilities.Query))
            throw new MallConflictException($"The payment method '{gateway.Name}' cannot be queried.") { Code = "payment.not_queryable" };
        PaymentNotification? status;
        try
        {
            status = await gateway.QueryAsync(new PaymentQuery(row.Number, row.ProviderReference, Money.FromCents(row.Amount), row.Currency), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not MallException)
        {
            logger.LogError(ex, "Payment provider {Provider} could not be queried for {Number}.", gateway.Name, row.Number);
            throw new MallConflictException($"The payment method '{gateway.Name}' did not answer; try again later.") { Code = "payment.provider_failed" };
        }
        if (status is not null)
        {
            if (status.PaymentNumber != row.Number) throw new InvalidOperationException($"{gateway.Name} answered for {status.PaymentNumber} when asked for {row.Number}.");
            // One event per status the provider reports, however often it is asked.
            var outcome = await database.InTransactionAsync(
                tx => ApplyAsync(tx, gateway.Name, status with { EventId = $"query:{row.Number}:{status.Kind.ToString().ToLowerInvariant()}" }, cancellationToken), cancellationToken).ConfigureAwait(false);
            if (outcome.Rejection is { } rejection) logger.LogWarning("{Provider}'s status of payment {Number} was refused: {Reason}", gateway.Name, row.Number, rejection);
            foreach (var change in outcome.OrderChanges) await events.DispatchAsync(change, cancellationToken).ConfigureAwait(false);
            if (outcome.IsLateCapture) await RefundLateAsync(row.Number, outcome.Note!, cancellationToken).ConfigureAwait(false);
        }
        return await ReadAsync(row, row.Number, cancellationToken).ConfigureAwait(false);
    }

    private async Task<Payment> ReadAsync(PaymentRow payment, string number, CancellationToken cancellationToken) =>
        (await ListAsync(payment.OrderId, cancellationToken).ConfigureAwait(false)).Single(p => p.Number == number);

    private async Task<PaymentRow?> LockAsync(DbTransaction tx, string number, CancellationToken cancellationToken) =>
        (await tx.Connection!.QueryAsync<PaymentRow>(new CommandDefinition(
            $"SELECT {PaymentColumns} FROM mall_payment WHERE number = @number{database.Dialect.ForUpdate}",
            new { number }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)).FirstOrDefault();

    private static Task<long> CountKeyAsync(DbTransaction tx, string key, CancellationToken cancellationToken) =>
        tx.Connection!.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM mall_payment_event WHERE idempotency_key = @key", new { key }, tx, cancellationToken: cancellationToken));

    /// <summary>Refunded (or being refunded) amount in cents: refunds minus refused refunds.</summary>
    private static Task<long> RefundedAsync(DbTransaction tx, long paymentId, CancellationToken cancellationToken) =>
        tx.Connection!.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COALESCE(SUM(CASE WHEN kind = @refunded THEN amount ELSE -amount END), 0) FROM mall_payment_event WHERE payment_id = @paymentId AND kind IN (@refunded, @failed)",
            new { paymentId, refunded = (short)PaymentEventKind.Refunded, failed = (short)PaymentEventKind.RefundFailed }, tx, cancellationToken: cancellationToken));

    /// <inheritdoc />
    public async Task<IReadOnlyList<Payment>> ListAsync(long orderId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var payments = (await connection.QueryAsync<PaymentRow>(new CommandDefinition(
            $"SELECT {PaymentColumns} FROM mall_payment WHERE order_id = @orderId ORDER BY id",
            new { orderId }, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        if (payments.Count == 0) return [];
        var events = (await connection.QueryAsync<EventRow>(new CommandDefinition(
            $"SELECT payment_id AS PaymentId, kind AS Kind, amount AS Amount, provider_reference AS ProviderReference, idempotency_key AS IdempotencyKey, note AS Note, created_at AS CreatedAt FROM mall_payment_event WHERE {database.Dialect.InList("payment_id", "@ids")} ORDER BY id",
            new { ids = payments.Select(p => p.Id).ToList() }, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToLookup(e => e.PaymentId);
        return payments.Select(p => new Payment(p.Number, p.OrderId, p.Provider, Money.FromCents(p.Amount), p.Currency, (PaymentStatus)p.Status, p.ProviderReference,
            events[p.Id].Select(e => new PaymentEvent((PaymentEventKind)e.Kind, Money.FromCents(e.Amount), e.ProviderReference, e.IdempotencyKey, e.Note, DateTime.SpecifyKind(e.CreatedAt, DateTimeKind.Utc))).ToList())).ToList();
    }

    /// <summary>Appends an event unless its key exists; true when it was written.</summary>
    private async Task<bool> AppendAsync(DbTransaction tx, long paymentId, PaymentEventKind kind, long amount, string? reference, string key, string? note, DateTime now, CancellationToken cancellationToken) =>
        await tx.Connection!.ExecuteAsync(new CommandDefinition(
            database.Dialect.InsertIgnoreDuplicate("mall_payment_event",
                ["payment_id", "kind", "amount", "provider_reference", "idempotency_key", "note", "created_at"],
                ["@paymentId", "@kind", "@amount", "@reference", "@key", "@note", "@now"],
                ["idempotency_key"]),
            new { paymentId, kind = (short)kind, amount, reference, key, note, now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false) == 1;

    private static IPaymentProvider? Find(ExtensionLease<IPaymentProvider> providers, string name) =>
        providers.Items.Select(e => e.Instance).FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    private sealed record Outcome(IReadOnlyList<OrderStatusChangedEvent> OrderChanges, string? Rejection, string? Note)
    {
        /// <summary>This notification recorded a capture its order no longer waited for.</summary>
        public bool IsLateCapture => Rejection is null && Note?.StartsWith(LateCaptureNote, StringComparison.Ordinal) == true;

        public static Outcome Refused(string reason) => new([], reason, null);

        public static readonly Outcome Duplicate = new([], null, "duplicate");
    }

    private const string PaymentColumns =
        "id AS Id, number AS Number, order_id AS OrderId, customer_id AS CustomerId, provider AS Provider, amount AS Amount, currency AS Currency, " +
        "status AS Status, provider_reference AS ProviderReference, created_at AS CreatedAt";

    /// <summary>The data of a <c>payment.refunded</c> event: the payment's amount and how much of it is refunded now.</summary>
    private sealed record RefundEventData(long PaymentId, string PaymentNumber, long OrderId, string Provider, string RefundNumber, decimal PaymentAmount, decimal RefundedTotal, bool Full, string Actor);

    private sealed class PaymentRow
    {
        public long Id { get; set; }
        public string Number { get; set; } = "";
        public long OrderId { get; set; }
        public string Provider { get; set; } = "";
        public long Amount { get; set; }
        public string Currency { get; set; } = "";
        public short Status { get; set; }
        public string? ProviderReference { get; set; }
        public DateTime CreatedAt { get; set; }
        public long CustomerId { get; set; }
    }

    private sealed class EventRow
    {
        public long PaymentId { get; set; }
        public short Kind { get; set; }
        public long Amount { get; set; }
        public string? ProviderReference { get; set; }
        public string IdempotencyKey { get; set; } = "";
        public string? Note { get; set; }
        public DateTime CreatedAt { get; set; }
    }
}
