using System.Globalization;
using Mall.Checkout;
using Mall.Common;
using Mall.Events;
using Mall.Ordering;
using Microsoft.Extensions.Logging;

namespace Mall.Plugins.FlashSale;

/// <summary>The checkout choices of a flash-sale order (<see cref="CheckoutChoices.Extensions"/>).</summary>
internal static class FlashChoice
{
    /// <summary>The item bought (always).</summary>
    public const string ItemKey = "flashsale.item";

    /// <summary>The ticket an admitted attempt got (orders placed from the queue).</summary>
    public const string TicketKey = "flashsale.ticket";

    /// <summary>The attempt's key (orders placed at once, on the database path).</summary>
    public const string AttemptKey = "flashsale.attempt";

    public static long? ItemId(Func<string, string?> get) =>
        get(ItemKey) is not { } raw ? null
        : long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0 ? id
        : throw new MallValidationException($"extensions.{ItemKey}", "is a positive id.");
}

/// <summary>
/// Step 250 (after shipping, before promotions): a flash-sale order holds one line of the item's SKU within the
/// shopper's limit, at the flash price; unless its session is stackable, no promotion or coupon applies on top.
/// </summary>
public sealed class FlashSalePriceStep(FlashSaleStore store, TimeProvider clock) : ICheckoutStep
{
    /// <inheritdoc />
    public int Order => 250;

    /// <inheritdoc />
    public async Task ApplyAsync(CheckoutContext context, CancellationToken cancellationToken)
    {
        string? Get(string key) => context.TryGetExtension(key, out var value) ? value : null;
        if (FlashChoice.ItemId(Get) is not { } itemId) return;
        var queued = Get(FlashChoice.TicketKey) is not null;
        _ = Get(FlashChoice.AttemptKey);
        if (context.CustomerId is null) throw new MallValidationException("extensions", "Log in to buy in a flash sale.");
        var (item, session) = await store.FindLiveItemAsync(itemId, cancellationToken)
            ?? throw new MallValidationException($"extensions.{FlashChoice.ItemKey}", $"Flash-sale item {itemId} does not exist.");
        // A queued ticket was admitted inside the window (Redis checked it); an order placed at once must be inside it now.
        var now = clock.GetUtcNow().UtcDateTime;
        if (!queued && (now < session.StartsAt || now >= session.EndsAt))
            throw new MallConflictException(now < session.StartsAt ? "The flash sale has not started." : "The flash sale has ended.") { Code = now < session.StartsAt ? "flashsale.not_started" : "flashsale.ended" };
        var bought = context.Lines.Where(l => !l.IsGift).ToList();
        if (bought.Count != 1 || bought[0].SkuId != item.SkuId)
            throw new MallValidationException("lines", $"A flash-sale order holds one line, of SKU {item.SkuId}.");
        if (bought[0].Quantity > item.PerShopperLimit)
            throw new MallValidationException("lines[0].quantity", $"is at most {item.PerShopperLimit} in this flash sale.");
        context.Lines = context.Lines.Select(l => l.IsGift || l.SkuId != item.SkuId ? l : l with { UnitPrice = item.FlashPrice }).ToList();
        if (!session.Stackable) context.PromotionsExcluded = true;
    }
}

/// <summary>
/// Keeps the sale's ledger in step with its orders, inside their transactions: a placed order claims its units (or
/// is refused), a cancelled unpaid one gives them back once, a paid one counts them as sold.
/// </summary>
public sealed class FlashSaleOrderParticipant(FlashSaleStore store) : IOrderParticipant
{
    /// <inheritdoc />
    public async Task PlacingAsync(OrderPlacing placing, CancellationToken cancellationToken)
    {
        string? Get(string key) => placing.Extensions.TryGetValue(key, out var value) ? value : null;
        if (FlashChoice.ItemId(Get) is not { } itemId) return;
        var (item, _) = await FlashSaleStore.ReadItemAsync(placing.Transaction.Connection!, placing.Transaction, itemId, cancellationToken)
            ?? throw new MallValidationException($"extensions.{FlashChoice.ItemKey}", $"Flash-sale item {itemId} does not exist.");
        var line = placing.Quote.Lines.Single(l => !l.IsGift && l.SkuId == item.SkuId);
        var ticket = Get(FlashChoice.TicketKey) ?? "db-" + placing.OrderId.ToString(CultureInfo.InvariantCulture);
        await store.ClaimAsync(placing.Transaction, item, placing.CustomerId, line.Quantity, ticket, Get(FlashChoice.AttemptKey) ?? ticket, placing.OrderId, cancellationToken);
    }

    /// <inheritdoc />
    public async Task CancellingAsync(OrderCancelling cancelling, CancellationToken cancellationToken) =>
        await store.ReleaseAsync(cancelling.Transaction, cancelling.OrderId, cancellationToken);

    /// <inheritdoc />
    public Task TransitionedAsync(OrderTransitioned transition, CancellationToken cancellationToken) =>
        transition.To == OrderStatus.Paid && transition.From == OrderStatus.PendingPayment
            ? store.SettleAsync(transition.Transaction, transition.OrderId, cancellationToken)
            : Task.CompletedTask;
}

/// <summary>
/// After a cancellation of a queued ticket's order is committed, its units go back to Redis too (once: the return is
/// idempotent). Should this node die first, the reconciliation job finds the ticket and returns them.
/// </summary>
public sealed class FlashSaleReturns(FlashSaleStore store, FlashSaleAdmission admission, ILogger<FlashSaleReturns> logger) : IDomainEventHandler<OrderStatusChangedEvent>
{
    /// <inheritdoc />
    public async Task HandleAsync(OrderStatusChangedEvent domainEvent, CancellationToken cancellationToken)
    {
        if (domainEvent.To != OrderStatus.Cancelled) return;
        if (await store.TicketOfOrderAsync(domainEvent.OrderId, cancellationToken) is not { Status: TicketStatus.Released } ticket || ticket.Ticket.StartsWith("db-", StringComparison.Ordinal)) return;
        if (await admission.ReturnAsync(ticket, cancellationToken))
            logger.LogInformation("Flash-sale ticket {Ticket}: {Quantity} unit(s) back to the sale after order {Order} was cancelled.", ticket.Ticket, ticket.Quantity, domainEvent.Number);
    }
}
