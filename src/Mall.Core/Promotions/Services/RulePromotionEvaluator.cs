using System.Globalization;
using Dapper;
using Mall.Checkout;
using Mall.Common;
using Mall.Customers;
using Mall.Data;
using Mall.Ordering;

namespace Mall.Promotions.Services;

/// <summary>
/// The built-in <see cref="IPromotionEvaluator"/>: the merchant's active rules (<see cref="IPromotionService"/>) run
/// through <see cref="PromotionEngine"/>. Each applied promotion becomes a discount with its share of every line;
/// free shipping takes back the shipping charged; what did not apply is explained in the quote's notes.
/// </summary>
public sealed class RulePromotionEvaluator(PromotionService promotions, ICustomerService customers, IMallDatabase database, TimeProvider clock) : IPromotionEvaluator
{
    /// <inheritdoc />
    public string Name => "promotions";

    /// <inheritdoc />
    public async Task<IReadOnlyList<PromotionDiscount>> EvaluateAsync(CheckoutContext context, CancellationToken cancellationToken)
    {
        var rules = await promotions.CurrentAsync(cancellationToken).ConfigureAwait(false);
        if (rules.Count == 0 || context.Lines.Count == 0) return [];
        var lines = context.Lines.Select(l => new PromotionLine(l.ProductId, l.CategoryId, l.BrandId, Money.ToCents(l.UnitPrice), l.Quantity)).ToList();
        var shopper = await ShopperAsync(context.CustomerId, rules, cancellationToken).ConfigureAwait(false);
        var outcome = PromotionEngine.Evaluate(lines, shopper, rules, clock.GetUtcNow().UtcDateTime);

        foreach (var skipped in outcome.Skipped) context.AddNote($"{skipped.Name}: {skipped.Reason}");
        var discounts = new List<PromotionDiscount>();
        foreach (var applied in outcome.Applied.Where(a => a.DiscountCents > 0))
        {
            var shares = outcome.LineDiscounts.Select(l => Money.FromCents(l.Where(p => p.RuleId == applied.RuleId).Sum(p => p.Cents))).ToList();
            discounts.Add(new PromotionDiscount(Money.FromCents(applied.DiscountCents), applied.Name) { LineShares = shares });
        }
        if (outcome.FreeShipping && context.ShippingSoFar > 0)
            discounts.Add(new PromotionDiscount(context.ShippingSoFar, $"free shipping: {string.Join(", ", outcome.Applied.Where(a => rules.Any(r => r.Id == a.RuleId && r.Benefit == PromotionBenefit.FreeShipping)).Select(a => a.Name))}"));
        foreach (var gift in outcome.Gifts)
            context.AddNote(string.Create(CultureInfo.InvariantCulture, $"gift: SKU {gift.SkuId} × {gift.Quantity} ({rules.First(r => r.Id == gift.RuleId).Name})"));
        return discounts;
    }

    /// <summary>Member level and first order, read only when a rule asks for them.</summary>
    private async Task<PromotionShopper> ShopperAsync(long? customerId, IReadOnlyList<PromotionRule> rules, CancellationToken cancellationToken)
    {
        if (customerId is not { } id || !rules.Any(r => r.MinMemberLevel is not null || r.FirstOrderOnly)) return PromotionShopper.Guest;
        var level = (await customers.FindAsync(id, cancellationToken).ConfigureAwait(false))?.MemberLevel ?? 0;
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var orders = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM mall_order WHERE customer_id = @id AND status <> @cancelled", new { id, cancelled = (short)OrderStatus.Cancelled }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new PromotionShopper(level, orders == 0, new Dictionary<long, int>());
    }
}
