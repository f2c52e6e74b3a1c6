namespace Mall.Checkout;

/// <summary>A line being priced: the SKU as it is now and how many.</summary>
public sealed record QuoteLine
{
    /// <summary>The SKU.</summary>
    public long SkuId { get; init; }
    /// <summary>The product.</summary>
    public long ProductId { get; init; }
    /// <summary>The product's category (promotion conditions use it).</summary>
    public long CategoryId { get; init; }
    /// <summary>The product's brand.</summary>
    public long? BrandId { get; init; }
    /// <summary>Product name now.</summary>
    public required string ProductName { get; init; }
    /// <summary>SKU code now.</summary>
    public required string SkuCode { get; init; }
    /// <summary>Spec values.</summary>
    public IReadOnlyList<string> SpecValues { get; init; } = [];
    /// <summary>Image.</summary>
    public string? ImageUrl { get; init; }
    /// <summary>Shipping weight of one unit, in grams.</summary>
    public int WeightGrams { get; init; }
    /// <summary>The product's freight template, or null for the default one.</summary>
    public long? FreightTemplateId { get; init; }
    /// <summary>Unit price now (the mall's, never the client's).</summary>
    public decimal UnitPrice { get; init; }
    /// <summary>Units.</summary>
    public int Quantity { get; init; }
    /// <summary>Unit price × quantity.</summary>
    public decimal LineTotal => UnitPrice * Quantity;
    /// <summary>Discount allocated to this line by promotions.</summary>
    public decimal Discount { get; init; }
    /// <summary>A free gift a promotion adds (price zero), not something the shopper chose.</summary>
    public bool IsGift { get; init; }
}

/// <summary>A shipping method that delivers a checkout.</summary>
/// <param name="Method">The provider's name (pass it back as <c>shippingMethod</c> to choose it).</param>
/// <param name="Amount">Its rate.</param>
/// <param name="Description">What the rate is, e.g. "first 1 kg 10.00 + 5.00 per extra kg".</param>
public sealed record ShippingOption(string Method, decimal Amount, string Description);

/// <summary>A gift a promotion grants, before the checkout has looked the SKU up.</summary>
/// <param name="SkuId">The gift SKU.</param>
/// <param name="Quantity">Units.</param>
/// <param name="Description">Why, e.g. the promotion's name.</param>
public sealed record GiftGrant(long SkuId, int Quantity, string Description);

/// <summary>What a quote adjustment is.</summary>
public enum QuoteAdjustmentKind
{
    /// <summary>A shipping charge (adds to the total).</summary>
    Shipping = 1,
    /// <summary>A discount (subtracts from the total).</summary>
    Discount = 2,
}

/// <summary>An explanation of an amount in a quote: a shipping rate or a discount and why it applied.</summary>
/// <param name="Kind">Shipping or discount.</param>
/// <param name="Source">Who computed it (a provider or promotion name).</param>
/// <param name="Amount">The amount (positive).</param>
/// <param name="Description">Human-readable reason.</param>
public sealed record QuoteAdjustment(QuoteAdjustmentKind Kind, string Source, decimal Amount, string Description)
{
    /// <summary>What it refers to, e.g. <c>promotion:12</c> (kept with the order; per-shopper limits count it).</summary>
    public string? Reference { get; init; }
}

/// <summary>What a checkout costs: lines, subtotal, shipping, discounts and total.</summary>
/// <param name="Lines">Lines with current prices.</param>
/// <param name="Subtotal">Sum of line totals.</param>
/// <param name="ShippingFee">Shipping.</param>
/// <param name="Discount">Discounts (positive).</param>
/// <param name="Total">Subtotal + shipping − discount, never below zero.</param>
/// <param name="Adjustments">Where shipping and discounts come from.</param>
public sealed record CheckoutQuote(IReadOnlyList<QuoteLine> Lines, decimal Subtotal, decimal ShippingFee, decimal Discount, decimal Total, IReadOnlyList<QuoteAdjustment> Adjustments)
{
    /// <summary>Shipping methods that deliver this checkout, with their rates; the shopper may choose one.</summary>
    public IReadOnlyList<ShippingOption> ShippingOptions { get; init; } = [];

    /// <summary>The shipping method priced in (chosen, else the cheapest), or null when nothing is charged.</summary>
    public string? ShippingMethod { get; init; }

    /// <summary>Free gift lines (price zero) the order will carry, in stock now.</summary>
    public IReadOnlyList<QuoteLine> Gifts { get; init; } = [];

    /// <summary>Explanations of what did not apply and why (e.g. "满100减20: needs 100.00 of its goods; the cart has 80.00").</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>
/// The state a checkout pipeline works on. Steps read the lines and add shipping and discounts; the totals are
/// derived, so that they always add up.
/// </summary>
public sealed class CheckoutContext
{
    private readonly List<QuoteAdjustment> _adjustments = [];
    private readonly List<string> _notes = [];
    private readonly List<GiftGrant> _gifts = [];
    private readonly List<ShippingOption> _shippingOptions = [];

    /// <summary>Creates the context.</summary>
    public CheckoutContext(long? customerId, IReadOnlyList<QuoteLine> lines, string? regionCode)
    {
        CustomerId = customerId;
        Lines = lines;
        RegionCode = regionCode;
    }

    /// <summary>The shopper, when known.</summary>
    public long? CustomerId { get; }

    /// <summary>Destination region code, when an address is chosen.</summary>
    public string? RegionCode { get; }

    /// <summary>The coupon the shopper chose to use, if any (the built-in coupon evaluator applies it).</summary>
    public long? CouponId { get; init; }

    /// <summary>The shipping method the shopper chose (a provider's name), or null for the cheapest.</summary>
    public string? ShippingMethod { get; init; }

    /// <summary>
    /// The connection pricing this checkout, and <see cref="Transaction"/> when it prices an order being placed.
    /// Steps and evaluators read through them (<see cref="Data.MallDatabaseExtensions.ReadAsync{T}"/>) instead of
    /// opening another connection, so a checkout holds one connection however many steps it has. Null when the
    /// context was built without a database (tests of a step).
    /// </summary>
    public System.Data.Common.DbConnection? Connection { get; init; }

    /// <summary>The order's transaction while an order is being placed; commands on <see cref="Connection"/> must use it.</summary>
    public System.Data.Common.DbTransaction? Transaction { get; init; }

    private readonly HashSet<string> _readExtensions = new(StringComparer.Ordinal);

    /// <summary>The shopper's plugin choices (<see cref="CheckoutChoices.Extensions"/>); read them with <see cref="TryGetExtension"/>.</summary>
    public IReadOnlyDictionary<string, string> Extensions { get; init; } = new Dictionary<string, string>();

    /// <summary>Reads a plugin choice and marks it understood (a choice nobody reads is rejected after the pipeline).</summary>
    public bool TryGetExtension(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out string value)
    {
        if (!Extensions.TryGetValue(key, out value)) return false;
        lock (_readExtensions) _readExtensions.Add(key);
        return true;
    }

    /// <summary>Choices no step read.</summary>
    internal IEnumerable<string> UnreadExtensions() => Extensions.Keys.Where(k => !_readExtensions.Contains(k));

    /// <summary>Every shipping method that delivers this checkout, with its rate (the shipping step adds them).</summary>
    public IReadOnlyList<ShippingOption> ShippingOptions => _shippingOptions;

    /// <summary>Offers a shipping method that delivers this checkout.</summary>
    public void AddShippingOption(ShippingOption option) => _shippingOptions.Add(option ?? throw new ArgumentNullException(nameof(option)));

    /// <summary>The lines; a step may replace them (e.g. to allocate a discount to lines).</summary>
    public IReadOnlyList<QuoteLine> Lines { get; set; }

    /// <summary>
    /// Set by a step before promotions (order below 300) whose price must stand alone, e.g. a flash-sale price that
    /// does not stack: then no promotion or coupon evaluator runs for this checkout.
    /// </summary>
    public bool PromotionsExcluded { get; set; }

    /// <summary>Shipping and discounts added so far.</summary>
    public IReadOnlyList<QuoteAdjustment> Adjustments => _adjustments;

    /// <summary>Sum of line totals.</summary>
    public decimal Subtotal => Lines.Sum(l => l.LineTotal);

    /// <summary>Adds a shipping charge.</summary>
    public void AddShipping(string source, decimal amount, string description) => Add(QuoteAdjustmentKind.Shipping, source, amount, description);

    /// <summary>Adds a discount.</summary>
    public void AddDiscount(string source, decimal amount, string description, string? reference = null) => Add(QuoteAdjustmentKind.Discount, source, amount, description, reference);

    /// <summary>The quote as it stands.</summary>
    public CheckoutQuote ToQuote()
    {
        var shipping = _adjustments.Where(a => a.Kind == QuoteAdjustmentKind.Shipping).Sum(a => a.Amount);
        // Discounts never exceed what is being bought.
        var discount = Math.Min(_adjustments.Where(a => a.Kind == QuoteAdjustmentKind.Discount).Sum(a => a.Amount), Subtotal + shipping);
        return new CheckoutQuote(Lines, Subtotal, shipping, discount, Subtotal + shipping - discount, _adjustments.ToList())
        {
            Notes = _notes.ToList(), ShippingOptions = _shippingOptions.ToList(), ShippingMethod = _adjustments.FirstOrDefault(a => a.Kind == QuoteAdjustmentKind.Shipping)?.Source,
        };
    }

    /// <summary>The quote with its gift lines.</summary>
    public CheckoutQuote ToQuote(IReadOnlyList<QuoteLine> gifts) => ToQuote() with { Gifts = gifts };

    /// <summary>Adds an explanation of something that did not apply.</summary>
    public void AddNote(string note) => _notes.Add(note);

    /// <summary>Gifts granted so far.</summary>
    public IReadOnlyList<GiftGrant> Gifts => _gifts;

    /// <summary>Grants a free gift; the checkout adds it as a price-zero line when the SKU is on sale and in stock, else explains why not.</summary>
    public void AddGift(long skuId, int quantity, string description)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(skuId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quantity);
        _gifts.Add(new GiftGrant(skuId, quantity, description));
    }

    /// <summary>Shipping charged so far (what a free-shipping promotion takes back).</summary>
    public decimal ShippingSoFar => _adjustments.Where(a => a.Kind == QuoteAdjustmentKind.Shipping).Sum(a => a.Amount);

    private void Add(QuoteAdjustmentKind kind, string source, decimal amount, string description, string? reference = null)
    {
        if (amount < 0 || decimal.Round(amount, 2) != amount) throw new ArgumentOutOfRangeException(nameof(amount), amount, "Amounts are positive with at most two decimals.");
        if (amount > 0) _adjustments.Add(new QuoteAdjustment(kind, source, amount, description) { Reference = reference });
    }
}
