namespace Mall.Plugins.FlashSale;

/// <summary>A flash-sale session (场次): a time window in which its items sell at their flash prices.</summary>
/// <param name="Id">Id.</param>
/// <param name="Name">Shown to shoppers.</param>
/// <param name="StartsAt">Opens (UTC).</param>
/// <param name="EndsAt">Closes (UTC).</param>
/// <param name="Stackable">Store promotions and coupons apply on top of the flash price (default false).</param>
/// <param name="Items">Its SKUs.</param>
public sealed record FlashSession(long Id, string Name, DateTime StartsAt, DateTime EndsAt, bool Stackable, IReadOnlyList<FlashItem> Items);

/// <summary>A SKU in a session, with its own stock and limit.</summary>
/// <param name="Id">Item id (what shoppers attempt).</param>
/// <param name="SessionId">Its session.</param>
/// <param name="SkuId">The catalog SKU.</param>
/// <param name="FlashPrice">Price per unit in the sale.</param>
/// <param name="FlashStock">Units the sale sells, at most.</param>
/// <param name="PerShopperLimit">Units one shopper may buy in the sale.</param>
/// <param name="Sold">Units in paid orders.</param>
/// <param name="Reserved">Units in unpaid orders.</param>
public sealed record FlashItem(long Id, long SessionId, long SkuId, decimal FlashPrice, int FlashStock, int PerShopperLimit, int Sold, int Reserved)
{
    /// <summary>Units left for the sale (by the database's count).</summary>
    public int Available => FlashStock - Sold - Reserved;
}

/// <summary>Creates a session.</summary>
/// <param name="Name">Name.</param>
/// <param name="StartsAt">Opens (UTC).</param>
/// <param name="EndsAt">Closes (UTC), after it opens, at most 7 days later.</param>
/// <param name="Items">One to 50 SKUs.</param>
/// <param name="Stackable">Promotions apply on top (default false).</param>
public sealed record FlashSessionInput(string? Name, DateTime? StartsAt, DateTime? EndsAt, IReadOnlyList<FlashItemInput>? Items, bool Stackable = false);

/// <summary>
/// Changes a session: what is left out stays. Its items are fixed once created (a new session sells other SKUs or
/// more units); a session that has ended cannot change.
/// </summary>
/// <param name="Name">New name.</param>
/// <param name="StartsAt">New opening, only before it opens.</param>
/// <param name="EndsAt">New closing: after it opens and after now, at most 7 days after it opens.</param>
/// <param name="Stackable">Whether promotions apply on top (orders already placed keep what they had).</param>
public sealed record FlashSessionChange(string? Name = null, DateTime? StartsAt = null, DateTime? EndsAt = null, bool? Stackable = null);

/// <summary>A SKU of a new session.</summary>
/// <param name="SkuId">The catalog SKU (on sale, with at least the flash stock available).</param>
/// <param name="FlashPrice">Positive, below the SKU's price.</param>
/// <param name="FlashStock">1 to 1,000,000 units.</param>
/// <param name="PerShopperLimit">1 to 100 units.</param>
public sealed record FlashItemInput(long SkuId, decimal FlashPrice, int FlashStock, int PerShopperLimit);

/// <summary>A shopper's attempt to buy.</summary>
/// <param name="Quantity">Units (1 to the limit).</param>
/// <param name="Key">The attempt's own key (the client's idempotency key): the same key again changes nothing and gets the same answer.</param>
/// <param name="AddressId">The shopper's address to ship to (optional).</param>
public sealed record FlashAttemptInput(int Quantity, string? Key, long? AddressId = null);

/// <summary>Where a ticket stands.</summary>
public enum TicketStatus
{
    /// <summary>Admitted; its order is being placed from the queue.</summary>
    Queued = 0,
    /// <summary>Its order is placed (unpaid or paid).</summary>
    Ordered = 1,
    /// <summary>Its order could not be placed; the units went back to the sale.</summary>
    Failed = 2,
    /// <summary>Its unpaid order was cancelled; the units went back to the sale.</summary>
    Released = 3,
    /// <summary>Its order is paid.</summary>
    Paid = 4,
}

/// <summary>The answer to an attempt, or to polling its ticket.</summary>
/// <param name="Ticket">The ticket id (poll <c>/api/plugins/flashsale/tickets/{ticket}</c>).</param>
/// <param name="Status">Where it stands.</param>
/// <param name="OrderId">The order, once placed.</param>
/// <param name="Error">Why the order failed.</param>
public sealed record FlashTicket(string Ticket, TicketStatus Status, long? OrderId, string? Error);
