using System.Text.Json.Serialization;

namespace Mall.Promotions;

/// <summary>Which lines a promotion looks at.</summary>
public enum PromotionScope
{
    /// <summary>Every line (全场).</summary>
    AllGoods = 0,
    /// <summary>Lines of the listed products.</summary>
    Products = 1,
    /// <summary>Lines of products in the listed categories.</summary>
    Categories = 2,
    /// <summary>Lines of products of the listed brands.</summary>
    Brands = 3,
}

/// <summary>What a promotion gives.</summary>
public enum PromotionBenefit
{
    /// <summary><see cref="PromotionRule.Value"/> off each unit of the scoped lines (单品立减).</summary>
    GoodsReduce = 0,
    /// <summary>The scoped lines cost <see cref="PromotionRule.Value"/> × their price, e.g. 0.85 (单品折扣).</summary>
    GoodsDiscount = 1,
    /// <summary>Each unit of the scoped lines costs <see cref="PromotionRule.Value"/> (一口价).</summary>
    GoodsFixedPrice = 2,
    /// <summary><see cref="PromotionRule.Value"/> off the scoped lines together (满减), shared among them.</summary>
    OrderReduce = 3,
    /// <summary>The scoped lines together cost <see cref="PromotionRule.Value"/> × their amount (满折), shared among them.</summary>
    OrderDiscount = 4,
    /// <summary>Shipping is free (包邮).</summary>
    FreeShipping = 5,
    /// <summary><see cref="PromotionRule.GiftQuantity"/> of SKU <see cref="PromotionRule.GiftSkuId"/> free (赠品).</summary>
    Gift = 6,
}

/// <summary>
/// A promotion: conditions (scope, thresholds, member level, first order, time window, per-shopper limit) and one
/// benefit. Rules that may combine stack in priority order; at most one rule of an exclusivity group applies; a
/// rule that is not stackable applies alone.
/// </summary>
public sealed record PromotionRule
{
    /// <summary>Identifier.</summary>
    public long Id { get; init; }
    /// <summary>Shown to shoppers, e.g. "满100减20".</summary>
    [JsonRequired]
    public string Name { get; init; } = "";
    /// <summary>Higher applies first when stacking, and wins ties.</summary>
    public int Priority { get; init; }
    /// <summary>Which lines it looks at.</summary>
    public PromotionScope Scope { get; init; }
    /// <summary>Product, category or brand ids for <see cref="Scope"/>.</summary>
    public IReadOnlyList<long> ScopeIds { get; init; } = [];
    /// <summary>The scoped lines must total at least this (after promotions applied before it).</summary>
    public decimal? MinAmount { get; init; }
    /// <summary>The scoped lines must hold at least this many units.</summary>
    public int? MinCount { get; init; }
    /// <summary>Only for shoppers of at least this member level.</summary>
    public int? MinMemberLevel { get; init; }
    /// <summary>Only for a shopper's first order.</summary>
    public bool FirstOrderOnly { get; init; }
    /// <summary>The benefit.</summary>
    public PromotionBenefit Benefit { get; init; }
    /// <summary>Amount (reduce, fixed price) or rate between 0 and 1 (discounts).</summary>
    public decimal Value { get; init; }
    /// <summary>Gift SKU, for <see cref="PromotionBenefit.Gift"/>.</summary>
    public long? GiftSkuId { get; init; }
    /// <summary>Gift units.</summary>
    public int GiftQuantity { get; init; } = 1;
    /// <summary>From (UTC, inclusive), or always.</summary>
    public DateTime? StartsAt { get; init; }
    /// <summary>Until (UTC, exclusive), or always.</summary>
    public DateTime? EndsAt { get; init; }
    /// <summary>How many orders of one shopper may use it, or no limit.</summary>
    public int? PerCustomerLimit { get; init; }
    /// <summary>At most one rule of the same group applies.</summary>
    public string? ExclusivityGroup { get; init; }
    /// <summary>False: applies only alone.</summary>
    public bool Stackable { get; init; } = true;
}

/// <summary>What the engine knows of the shopper.</summary>
/// <param name="MemberLevel">Member level (0 for guests).</param>
/// <param name="IsFirstOrder">Whether this would be the shopper's first order.</param>
/// <param name="Usage">Orders the shopper placed with each promotion (promotion id → count).</param>
public sealed record PromotionShopper(int MemberLevel, bool IsFirstOrder, IReadOnlyDictionary<long, int> Usage)
{
    /// <summary>A guest: level 0, first order, no usage.</summary>
    public static PromotionShopper Guest { get; } = new(0, true, new Dictionary<long, int>());
}

/// <summary>A line as the engine sees it (money in cents).</summary>
/// <param name="ProductId">Product.</param>
/// <param name="CategoryId">Category.</param>
/// <param name="BrandId">Brand, if any.</param>
/// <param name="UnitPriceCents">Unit price in cents.</param>
/// <param name="Quantity">Units.</param>
public readonly record struct PromotionLine(long ProductId, long CategoryId, long? BrandId, long UnitPriceCents, int Quantity)
{
    /// <summary>Unit price × quantity.</summary>
    public long AmountCents => UnitPriceCents * Quantity;
}

/// <summary>The result: what applied, what did not and why, and each line's share of the discount.</summary>
/// <param name="DiscountCents">Total discount in cents.</param>
/// <param name="FreeShipping">Whether a free-shipping promotion applied.</param>
/// <param name="Applied">Applied promotions in the order they applied, with their discount.</param>
/// <param name="Skipped">Promotions that did not apply, with the reason.</param>
/// <param name="LineDiscounts">Per line (same order as the input): the promotions' shares in cents; they add up to <paramref name="DiscountCents"/>.</param>
/// <param name="Gifts">Gift SKUs and quantities.</param>
public sealed record PromotionOutcome(
    long DiscountCents, bool FreeShipping, IReadOnlyList<AppliedPromotion> Applied, IReadOnlyList<SkippedPromotion> Skipped,
    IReadOnlyList<IReadOnlyList<LinePromotion>> LineDiscounts, IReadOnlyList<PromotionGift> Gifts);

/// <summary>An applied promotion.</summary>
/// <param name="RuleId">Rule.</param>
/// <param name="Name">Its name.</param>
/// <param name="DiscountCents">What it took off, in cents.</param>
public sealed record AppliedPromotion(long RuleId, string Name, long DiscountCents);

/// <summary>A promotion that did not apply.</summary>
/// <param name="RuleId">Rule.</param>
/// <param name="Name">Its name.</param>
/// <param name="Reason">Why not, for the shopper or the merchant.</param>
public sealed record SkippedPromotion(long RuleId, string Name, string Reason);

/// <summary>One promotion's share of one line.</summary>
/// <param name="RuleId">Rule.</param>
/// <param name="Cents">Amount in cents.</param>
public readonly record struct LinePromotion(long RuleId, long Cents);

/// <summary>A gift.</summary>
/// <param name="RuleId">The rule giving it.</param>
/// <param name="SkuId">The SKU.</param>
/// <param name="Quantity">Units.</param>
public sealed record PromotionGift(long RuleId, long SkuId, int Quantity);
