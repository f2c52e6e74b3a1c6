namespace Mall.Promotions;

/// <summary>
/// A sample cart to quote with the merchant's active promotions, and optionally a rule being edited, before it is
/// saved (<see cref="IPromotionService.PreviewAsync"/>). Nothing is written.
/// </summary>
public sealed record PromotionPreviewRequest
{
    /// <summary>The cart: SKUs and quantities (1 to 100 lines).</summary>
    public IReadOnlyList<PromotionPreviewItem> Items { get; init; } = [];

    /// <summary>The shopper whose member level, first order and promotion usage count; null quotes for a guest.</summary>
    public long? CustomerId { get; init; }

    /// <summary>
    /// A rule as it is being edited: with the id of an existing rule it stands in for that rule, with id 0 it is
    /// quoted as a new rule beside the active ones. Validated as a save would.
    /// </summary>
    public PromotionRule? Draft { get; init; }

    /// <summary>When the cart is quoted (UTC), e.g. to try a rule's time window; null is now.</summary>
    public DateTime? At { get; init; }
}

/// <summary>One line of a sample cart.</summary>
/// <param name="SkuId">The SKU.</param>
/// <param name="Quantity">Units (1 to 9,999).</param>
public sealed record PromotionPreviewItem(long SkuId, int Quantity);

/// <summary>What the sample cart would be charged for goods, and why (shipping is not quoted).</summary>
/// <param name="Subtotal">Goods at their prices.</param>
/// <param name="Discount">What the promotions take off.</param>
/// <param name="Total">Subtotal less discount.</param>
/// <param name="FreeShipping">Whether a free-shipping promotion applies.</param>
/// <param name="Lines">The cart's lines with their share of the discount.</param>
/// <param name="Applied">Promotions that apply, in the order they applied.</param>
/// <param name="Skipped">Promotions that do not, with the reason.</param>
/// <param name="Gifts">Gifts the cart would get.</param>
public sealed record PromotionPreview(
    decimal Subtotal, decimal Discount, decimal Total, bool FreeShipping, IReadOnlyList<PromotionPreviewLine> Lines,
    IReadOnlyList<PromotionPreviewApplied> Applied, IReadOnlyList<SkippedPromotion> Skipped, IReadOnlyList<PromotionPreviewGift> Gifts);

/// <summary>A line of a previewed cart.</summary>
/// <param name="SkuId">The SKU.</param>
/// <param name="ProductName">Its product's name.</param>
/// <param name="SpecValues">Its spec values.</param>
/// <param name="UnitPrice">Its price now.</param>
/// <param name="Quantity">Units.</param>
/// <param name="Amount">Unit price × quantity.</param>
/// <param name="Discount">Its share of the discount.</param>
public sealed record PromotionPreviewLine(long SkuId, string ProductName, IReadOnlyList<string> SpecValues, decimal UnitPrice, int Quantity, decimal Amount, decimal Discount);

/// <summary>A promotion that applies to a previewed cart.</summary>
/// <param name="RuleId">The rule (0 for a new draft).</param>
/// <param name="Name">Its name.</param>
/// <param name="Discount">What it takes off.</param>
/// <param name="IsDraft">It is the draft of the request.</param>
public sealed record PromotionPreviewApplied(long RuleId, string Name, decimal Discount, bool IsDraft);

/// <summary>A gift of a previewed cart.</summary>
/// <param name="RuleId">The rule giving it.</param>
/// <param name="SkuId">The gift SKU.</param>
/// <param name="ProductName">Its product's name, if the SKU exists.</param>
/// <param name="Quantity">Units.</param>
public sealed record PromotionPreviewGift(long RuleId, long SkuId, string? ProductName, int Quantity);
