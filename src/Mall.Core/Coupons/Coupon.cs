using System.Text.Json.Serialization;
using Mall.Promotions;

namespace Mall.Coupons;

/// <summary>What a coupon takes off.</summary>
public enum CouponKind
{
    /// <summary><see cref="CouponTemplate.Value"/> off when its goods reach <see cref="CouponTemplate.MinAmount"/> (满减券).</summary>
    FullReduction = 1,
    /// <summary>Its goods cost <see cref="CouponTemplate.Value"/> × their amount, e.g. 0.9, capped by <see cref="CouponTemplate.MaxDiscount"/> (折扣券).</summary>
    Discount = 2,
    /// <summary><see cref="CouponTemplate.Value"/> off with no threshold (无门槛券).</summary>
    NoThreshold = 3,
}

/// <summary>A coupon a shopper holds.</summary>
public enum CouponStatus
{
    /// <summary>Can be used at checkout (within its validity).</summary>
    Available = 1,
    /// <summary>Bound to an order; an order cancelled before payment gives it back.</summary>
    Used = 2,
    /// <summary>Withdrawn by the merchant.</summary>
    Voided = 3,
    /// <summary>Not used before its validity ended (never stored: derived when read).</summary>
    Expired = 4,
}

/// <summary>
/// A coupon template (券模板): what its coupons take off, on which goods, how many exist, how many one shopper may
/// claim, and how long a coupon stays valid. The terms (kind, scope, amounts, validity) are fixed once created, so
/// that every coupon issued keeps the terms it was issued with; name, quantity and availability can change.
/// </summary>
public sealed record CouponTemplate
{
    /// <summary>Identifier.</summary>
    public long Id { get; init; }
    /// <summary>Shown to shoppers, e.g. "满200减30".</summary>
    [JsonRequired]
    public string Name { get; init; } = "";
    /// <summary>What it takes off.</summary>
    public CouponKind Kind { get; init; }
    /// <summary>Which goods count (all goods, products, categories or brands).</summary>
    public PromotionScope Scope { get; init; }
    /// <summary>Product, category or brand ids for <see cref="Scope"/>.</summary>
    public IReadOnlyList<long> ScopeIds { get; init; } = [];
    /// <summary>Its goods must total at least this, after promotions (required for full reduction).</summary>
    public decimal? MinAmount { get; init; }
    /// <summary>Amount off (full reduction, no threshold) or the rate paid between 0 and 1 (discount).</summary>
    public decimal Value { get; init; }
    /// <summary>Largest amount a discount coupon takes off, or no cap.</summary>
    public decimal? MaxDiscount { get; init; }
    /// <summary>Coupons that may ever be issued (claimed and granted), or no limit.</summary>
    public int? TotalQuantity { get; init; }
    /// <summary>Coupons issued so far (read-only).</summary>
    public int IssuedCount { get; init; }
    /// <summary>How many of these one shopper may claim (grants by the merchant do not count).</summary>
    public int PerCustomerLimit { get; init; } = 1;
    /// <summary>Coupons are valid from (UTC); with <see cref="ValidDays"/> unset, a fixed window.</summary>
    public DateTime? ValidFrom { get; init; }
    /// <summary>Coupons are valid until (UTC, exclusive); claims end then too.</summary>
    public DateTime? ValidUntil { get; init; }
    /// <summary>Or: each coupon is valid this many days from when it is issued.</summary>
    public int? ValidDays { get; init; }
    /// <summary>Shoppers may claim it (领券); otherwise only the merchant grants it.</summary>
    public bool Claimable { get; init; } = true;
    /// <summary>False: no more coupons are issued (issued ones stay usable).</summary>
    public bool IsActive { get; init; } = true;
}

/// <summary>A coupon issued to a shopper, with its template's terms.</summary>
public sealed record Coupon
{
    /// <summary>Identifier.</summary>
    public long Id { get; init; }
    /// <summary>The template.</summary>
    public long TemplateId { get; init; }
    /// <summary>The holder.</summary>
    public long CustomerId { get; init; }
    /// <summary>Status now (<see cref="CouponStatus.Expired"/> when an available coupon's validity has ended).</summary>
    public CouponStatus Status { get; init; }
    /// <summary>The template's name.</summary>
    public string Name { get; init; } = "";
    /// <summary>The template's kind.</summary>
    public CouponKind Kind { get; init; }
    /// <summary>The template's value.</summary>
    public decimal Value { get; init; }
    /// <summary>The template's threshold.</summary>
    public decimal? MinAmount { get; init; }
    /// <summary>The template's cap.</summary>
    public decimal? MaxDiscount { get; init; }
    /// <summary>Valid from (UTC).</summary>
    public DateTime ValidFrom { get; init; }
    /// <summary>Valid until (UTC, exclusive), or no end.</summary>
    public DateTime? ValidUntil { get; init; }
    /// <summary>The order it is bound to while used.</summary>
    public long? OrderId { get; init; }
    /// <summary>Claimed by the shopper (true) or granted by the merchant.</summary>
    public bool Claimed { get; init; }
    /// <summary>When it was issued.</summary>
    public DateTime IssuedAt { get; init; }
    /// <summary>When it was used, while used.</summary>
    public DateTime? UsedAt { get; init; }
}

/// <summary>A query over issued coupons.</summary>
public sealed record CouponQuery
{
    /// <summary>One shopper's coupons.</summary>
    public long? CustomerId { get; init; }
    /// <summary>One template's coupons.</summary>
    public long? TemplateId { get; init; }
    /// <summary>In this status (<see cref="CouponStatus.Expired"/> and <see cref="CouponStatus.Available"/> are told apart by validity).</summary>
    public CouponStatus? Status { get; init; }
    /// <summary>Page, from 1.</summary>
    public int Page { get; init; } = 1;
    /// <summary>Page size (1–100).</summary>
    public int PageSize { get; init; } = 20;
}
