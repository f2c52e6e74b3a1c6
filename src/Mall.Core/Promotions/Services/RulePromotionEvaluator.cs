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
internal sealed class RulePromotionEvaluator(PromotionService promotions, IOrderService orders, Mall.Customers.ICustomerService customers, TimeProvider clock) : IPromotionEvaluator
{
    /// <inheritdoc />
    public string Name => "promotions";

    /// <inheritdoc />
    public async Task<IReadOnlyList<PromotionDiscount>> EvaluateAsync(CheckoutContext context, CancellationToken cancellationToken)
    {
        var rules = await promotions.CurrentAsync(context.Connection, context.Transaction, cancellationToken).ConfigureAwait(false);
        if (rules.Count == 0 || context.Lines.Count == 0) return [];
        var lines = context.Lines.Select(l => new PromotionLine(l.ProductId, l.CategoryId, l.BrandId, Money.ToCents(l.UnitPrice), l.Quantity)).ToList();
        var shopper = await ShopperAsync(context.Transaction, context.CustomerId, rules, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Member level, first order and usage, read only when a rule asks for them.</summary>
    private async Task<PromotionShopper> ShopperAsync(DbTransaction? tx, long? customerId, IReadOnlyList<PromotionRule> rules, CancellationToken cancellationToken)
    {
        var limited = rules.Where(r => r.PerCustomerLimit is not null).Select(r => ReferenceOf(r.Id)).ToList();
        if (customerId is not { } id || (limited.Count == 0 && !rules.Any(r => r.MinMemberLevel is not null || r.FirstOrderOnly))) return PromotionShopper.Guest;
        // Both read through the features that own them (customers, orders), in the checkout's transaction when there is one.
        var level = (await customers.GetMemberLevelsAsync([id], tx, cancellationToken).ConfigureAwait(false)).GetValueOrDefault(id);
        // Orders that used each limited promotion; cancelled orders give their use back.
        var history = await orders.CountShopperOrdersAsync(id, limited, tx, cancellationToken).ConfigureAwait(false);
        var usage = new Dictionary<long, int>();
        foreach (var (reference, count) in history.ByAdjustment)
            usage[long.Parse(reference["promotion:".Length..], CultureInfo.InvariantCulture)] = count;
        return new PromotionShopper(level, history.Placed == 0, usage);
    }
}
