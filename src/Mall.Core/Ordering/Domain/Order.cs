namespace Mall.Ordering;

/// <summary>Where an order is in its life. Stored as a small integer; the values never change meaning.</summary>
public enum OrderStatus
{
    /// <summary>Placed, stock reserved, waiting for payment (待付款).</summary>
    PendingPayment = 0,
    /// <summary>Paid; stock sold (待发货).</summary>
    Paid = 1,
    /// <summary>Handed to a carrier (已发货).</summary>
    Shipped = 2,
    /// <summary>Received by the shopper (已完成).</summary>
    Completed = 3,
    /// <summary>Cancelled before payment (by the shopper, an admin or the payment timeout); stock released (已取消).</summary>
    Cancelled = 4,
    /// <summary>The shopper asked for a refund after paying (退款中).</summary>
    RefundRequested = 5,
    /// <summary>Fully refunded (已退款).</summary>
    Refunded = 6,
    /// <summary>Partly refunded (部分退款).</summary>
    PartiallyRefunded = 7,
    /// <summary>An after-sale case (return, exchange, repair) is open on a completed order (售后).</summary>
    AfterSale = 8,
}

/// <summary>What moves an order from one <see cref="OrderStatus"/> to another.</summary>
public enum OrderTrigger
{
    /// <summary>The order is created (no previous status).</summary>
    Place = 0,
    /// <summary>Payment confirmed.</summary>
    Pay = 1,
    /// <summary>Shipped with a carrier and tracking number.</summary>
    Ship = 2,
    /// <summary>Receipt confirmed.</summary>
    Complete = 3,
    /// <summary>Cancelled before payment.</summary>
    Cancel = 4,
    /// <summary>Refund requested after payment.</summary>
    RequestRefund = 5,
    /// <summary>Refunded in full.</summary>
    Refund = 6,
    /// <summary>Refunded in part.</summary>
    RefundPartially = 7,
    /// <summary>After-sale case opened.</summary>
    OpenAfterSale = 8,
}

/// <summary>An order: what a shopper bought, at which prices (a snapshot taken when it was placed), and where it stands.</summary>
public sealed record Order
{
    /// <summary>Identifier.</summary>
    public long Id { get; init; }
    /// <summary>Order number shown to people; unique.</summary>
    public required string Number { get; init; }
    /// <summary>The shopper.</summary>
    public long CustomerId { get; init; }
    /// <summary>Current status.</summary>
    public OrderStatus Status { get; init; }
    /// <summary>Sum of line totals.</summary>
    public decimal Subtotal { get; init; }
    /// <summary>Shipping charged.</summary>
    public decimal ShippingFee { get; init; }
    /// <summary>Discounts granted (positive amount).</summary>
    public decimal Discount { get; init; }
    /// <summary>Amount to pay: subtotal + shipping − discount.</summary>
    public decimal Total { get; init; }
    /// <summary>Shopper's note.</summary>
    public string? Note { get; init; }
    /// <summary>Where it goes: a copy of the shopper's address when the order was placed.</summary>
    public OrderAddress? ShippingAddress { get; init; }
    /// <summary>Carrier, once shipped.</summary>
    public string? ShippingCarrier { get; init; }
    /// <summary>Tracking number, once shipped.</summary>
    public string? TrackingNumber { get; init; }
    /// <summary>Unpaid after this moment (UTC), the order is cancelled and its stock released.</summary>
    public DateTime PaymentDeadline { get; init; }
    /// <summary>Placed (UTC).</summary>
    public DateTime CreatedAt { get; init; }
    /// <summary>Last changed (UTC).</summary>
    public DateTime UpdatedAt { get; init; }
    /// <summary>Lines with their price snapshots.</summary>
    public IReadOnlyList<OrderLine> Lines { get; init; } = [];
    /// <summary>Every status change, oldest first.</summary>
    public IReadOnlyList<OrderTransition> History { get; init; } = [];
}

/// <summary>One line of an order, with the product as it was when the order was placed.</summary>
public sealed record OrderLine
{
    /// <summary>The SKU.</summary>
    public long SkuId { get; init; }
    /// <summary>The product.</summary>
    public long ProductId { get; init; }
    /// <summary>Product name at the time.</summary>
    public required string ProductName { get; init; }
    /// <summary>SKU code at the time.</summary>
    public required string SkuCode { get; init; }
    /// <summary>Spec values at the time.</summary>
    public IReadOnlyList<string> SpecValues { get; init; } = [];
    /// <summary>Image at the time.</summary>
    public string? ImageUrl { get; init; }
    /// <summary>Unit price at the time.</summary>
    public decimal UnitPrice { get; init; }
    /// <summary>Units.</summary>
    public int Quantity { get; init; }
    /// <summary>Unit price × quantity.</summary>
    public decimal LineTotal { get; init; }
    /// <summary>
    /// This line's share of the order's promotion discounts on goods (exact to the cent; the lines' shares add up to
    /// the order's discount less any free-shipping take-back). A refund of the line returns <see cref="LineTotal"/> − <see cref="Discount"/>.
    /// </summary>
    public decimal Discount { get; init; }
    /// <summary>A free gift a promotion added (price zero; not refundable on its own).</summary>
    public bool IsGift { get; init; }
}

/// <summary>The delivery address of an order, copied from the shopper's address book when it was placed.</summary>
/// <param name="Receiver">Receiver.</param>
/// <param name="Phone">Receiver's phone.</param>
/// <param name="RegionCode">Region code.</param>
/// <param name="Detail">Street address.</param>
public sealed record OrderAddress(string Receiver, string Phone, string RegionCode, string Detail);

/// <summary>A recorded status change.</summary>
/// <param name="From">Previous status (null when the order was placed).</param>
/// <param name="To">New status.</param>
/// <param name="Trigger">What moved it.</param>
/// <param name="Actor">Who: <c>customer:42</c>, <c>admin:alice</c>, <c>system</c>.</param>
/// <param name="Reason">Why, when given.</param>
/// <param name="At">When (UTC).</param>
public sealed record OrderTransition(OrderStatus? From, OrderStatus To, OrderTrigger Trigger, string Actor, string? Reason, DateTime At);

/// <summary>A line of a <see cref="PlaceOrderRequest"/>.</summary>
/// <param name="SkuId">The SKU.</param>
/// <param name="Quantity">Units (1–999).</param>
public sealed record PlaceOrderLine(long SkuId, int Quantity);

/// <summary>What a shopper orders. Prices are never taken from the client: they are read when the order is placed.</summary>
public sealed record PlaceOrderRequest
{
    /// <summary>The shopper.</summary>
    public long CustomerId { get; init; }
    /// <summary>Lines (1–100); lines of the same SKU are merged. Empty when <see cref="FromCart"/>.</summary>
    public IReadOnlyList<PlaceOrderLine>? Lines { get; init; }
    /// <summary>Order the shopper's selected cart lines instead of <see cref="Lines"/>; they leave the cart with the order.</summary>
    public bool FromCart { get; init; }
    /// <summary>One of the shopper's addresses; its region prices shipping and a copy is kept on the order.</summary>
    public long? AddressId { get; init; }
    /// <summary>Makes a retried request return the first order instead of placing a second (per shopper, ≤ 100 characters).</summary>
    public string? IdempotencyKey { get; init; }
    /// <summary>Shopper's note (≤ 500 characters).</summary>
    public string? Note { get; init; }
    /// <summary>One of the shopper's coupons to use; it is bound to the order and given back if the order is cancelled.</summary>
    public long? CouponId { get; init; }
    /// <summary>The shipping method chosen from the quote's options; null: the cheapest.</summary>
    public string? ShippingMethod { get; init; }

    /// <summary>Plugin choices (<see cref="Checkout.CheckoutChoices.Extensions"/>), e.g. the group-buy team to join.</summary>
    public IReadOnlyDictionary<string, string>? Extensions { get; init; }
}

/// <summary>Result of placing an order.</summary>
/// <param name="Order">The order.</param>
/// <param name="Replayed">True when the idempotency key had been used and the earlier order is returned.</param>
public sealed record PlaceOrderResult(Order Order, bool Replayed);

/// <summary>Filters of an order list.</summary>
public sealed record OrderQuery
{
    /// <summary>Only this shopper's orders (always set for shopper-facing lists).</summary>
    public long? CustomerId { get; init; }
    /// <summary>Only orders in this status.</summary>
    public OrderStatus? Status { get; init; }
    /// <summary>
    /// Only orders with an id above this one, oldest first (instead of newest first): a cursor that stays stable
    /// while orders are placed, for integrations that walk every order (an ERP resync).
    /// </summary>
    public long? AfterId { get; init; }
    /// <summary>Only the order with this number (exact match).</summary>
    public string? Number { get; init; }
    /// <summary>1-based page.</summary>
    public int Page { get; init; } = 1;
    /// <summary>Page size (1–100).</summary>
    public int PageSize { get; init; } = 20;
}

/// <summary>Ordering settings, bound from <c>Mall:Ordering</c>.</summary>
public sealed class OrderingOptions
{
    /// <summary>How long a placed order waits for payment before it is cancelled (default 30 minutes).</summary>
    public TimeSpan PaymentTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How often the background job looks for unpaid orders past their deadline (default 30 seconds).</summary>
    public TimeSpan TimeoutSweepInterval { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>An order was placed (raised once, after its transaction committed; not for an idempotent replay).</summary>
/// <param name="OrderId">Order id.</param>
/// <param name="Number">Order number.</param>
/// <param name="CustomerId">Who ordered.</param>
/// <param name="Total">Amount to pay.</param>
/// <param name="OccurredAt">When.</param>
public sealed record OrderPlacedEvent(long OrderId, string Number, long CustomerId, decimal Total, DateTimeOffset OccurredAt) : Events.IDomainEvent;

/// <summary>An order moved from one status to another (raised after the transition committed).</summary>
/// <param name="OrderId">Order id.</param>
/// <param name="Number">Order number.</param>
/// <param name="From">Status before.</param>
/// <param name="To">Status after.</param>
/// <param name="Trigger">What moved it.</param>
/// <param name="Actor">Who moved it.</param>
/// <param name="OccurredAt">When.</param>
public sealed record OrderStatusChangedEvent(long OrderId, string Number, OrderStatus From, OrderStatus To, OrderTrigger Trigger, string Actor, DateTimeOffset OccurredAt) : Events.IDomainEvent;
