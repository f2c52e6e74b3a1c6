using System.Data.Common;
using System.Globalization;
using Dapper;
using Mall.Checkout;
using Mall.Common;
using Mall.Data;
using Mall.Ordering;

namespace Mall.Promotions.Services;

/// <summary>
/// The built-in <see cref="IPromotionEvaluator"/>: the merchant's active rules (<see cref="IPromotionService"/>) run
/// through <see cref="PromotionEngine"/>. Each applied promotion becomes a discount with its share of every line;
/// free shipping takes back the shipping charged; what did not apply is explained in the quote's notes.
/// </summary>
internal sealed class RulePromotionEvaluator(PromotionService promotions, PromotionShopperReader shoppers, TimeProvider clock) : IPromotionEvaluator
{
    /// <inheritdoc />
    public string Name => "promotions";

    /// <inheritdoc />
    public async Task<IReadOnlyList<PromotionDiscount>> EvaluateAsync(CheckoutContext context, CancellationToken cancellationToken)
    {
        var rules = await promotions.CurrentAsync(context.Connection, context.Transaction, cancellationToken).ConfigureAwait(false);
        if (rules.Count == 0 || context.Lines.Count == 0) return [];
        var lines = context.Lines.Select(l => new PromotionLine(l.ProductId, l.CategoryId, l.BrandId, Money.ToCents(l.UnitPrice), l.Quantity)).ToList();
        var shopper = await shoppers.ReadAsync(context.Transaction, context.CustomerId, rules, cancellationToken).ConfigureAwait(false);
        var outcome = PromotionEngine.Evaluate(lines, shopper, rules, clock.GetUtcNow().UtcDateTime);

        foreach (var skipped in outcome.Skipped) context.AddNote($"{skipped.Name}: {skipped.Reason}");
        var discounts = new List<PromotionDiscount>();
        foreach (var applied in outcome.Applied.Where(a => a.DiscountCents > 0))
        {
            var shares = outcome.LineDiscounts.Select(l => Money.FromCents(l.Where(p => p.RuleId == applied.RuleId).Sum(p => p.Cents))).ToList();
            discounts.Add(new PromotionDiscount(Money.FromCents(applied.DiscountCents), applied.Name) { LineShares = shares, Reference = ReferenceOf(applied.RuleId) });
        }
        if (outcome.FreeShipping && context.ShippingSoFar > 0)
        {
            var free = outcome.Applied.Where(a => rules.Any(r => r.Id == a.RuleId && r.Benefit == PromotionBenefit.FreeShipping)).ToList();
            discounts.Add(new PromotionDiscount(context.ShippingSoFar, $"free shipping: {string.Join(", ", free.Select(a => a.Name))}") { Reference = ReferenceOf(free[0].RuleId) });
        }
        foreach (var gift in outcome.Gifts)
            context.AddGift(gift.SkuId, gift.Quantity, rules.First(r => r.Id == gift.RuleId).Name);
        return discounts;
    }

    /// <summary>The reference an order keeps of a promotion it used.</summary>
    public static string ReferenceOf(long ruleId) => string.Create(CultureInfo.InvariantCulture, $"promotion:{ruleId}");
}
