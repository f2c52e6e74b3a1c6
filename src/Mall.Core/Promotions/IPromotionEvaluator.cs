using Mall.Checkout;

namespace Mall.Promotions;

/// <summary>A discount a promotion grants.</summary>
/// <param name="Amount">Amount off (positive).</param>
/// <param name="Description">Why, e.g. "满100减20".</param>
public sealed record PromotionDiscount(decimal Amount, string Description)
{
    /// <summary>
    /// The discount's share of each line of the context, in the same order, adding up to <see cref="Amount"/>; null
    /// for a discount that belongs to no line (free shipping).
    /// </summary>
    public IReadOnlyList<decimal>? LineShares { get; init; }

    /// <summary>What granted it, e.g. <c>promotion:12</c> or <c>coupon:345</c>; kept with the order.</summary>
    public string? Reference { get; init; }
}

/// <summary>Evaluates promotions over a checkout (full reduction, discounts, coupons). With none registered, nothing is discounted.</summary>
public interface IPromotionEvaluator
{
    /// <summary>Name shown in quote explanations.</summary>
    string Name { get; }

    /// <summary>Discounts this evaluator grants for the context.</summary>
    Task<IReadOnlyList<PromotionDiscount>> EvaluateAsync(CheckoutContext context, CancellationToken cancellationToken);
}
