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
public sealed class RulePromotionEvaluator(PromotionService promotions, IMallDatabase database, TimeProvider clock) : IPromotionEvaluator
{
    /// <inheritdoc />
    public string Name => "promotions";

    /// <inheritdoc />
    public async Task<IReadOnlyList<PromotionDiscount>> EvaluateAsync(CheckoutContext context, CancellationToken cancellationToken)
    {
        var rules = await promotions.CurrentAsync(context.Connection, context.Transaction, cancellationToken).ConfigureAwait(false);
        if (rules.Count == 0 || context.Lines.Count == 0) return [];
        var lines = context.Lines.Select(l => new PromotionLine(l.ProductId, l.CategoryId, l.BrandId, Money.ToCents(l.UnitPrice), l.Quantity)).ToList();
        var shopper = await database.ReadAsync(context.Connection, context.Transaction, (c, tx) => ShopperAsync(c, tx, context.CustomerId, rules, cancellationToken), cancellationToken).ConfigureAwait(false);
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
    private async Task<PromotionShopper> ShopperAsync(DbConnection connection, DbTransaction? tx, long? customerId, IReadOnlyList<PromotionRule> rules, CancellationToken cancellationToken)
    {
        var limited = rules.Where(r => r.PerCustomerLimit is not null).Select(r => ReferenceOf(r.Id)).ToList();
        if (customerId is not { } id || (limited.Count == 0 && !rules.Any(r => r.MinMemberLevel is not null || r.FirstOrderOnly))) return PromotionShopper.Guest;
        var level = await connection.ExecuteScalarAsync<int?>(new CommandDefinition(
            "SELECT member_level FROM mall_customer WHERE id = @id", new { id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false) ?? 0;
        var cancelled = (short)OrderStatus.Cancelled;
        var orders = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM mall_order WHERE customer_id = @id AND status <> @cancelled", new { id, cancelled }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var usage = new Dictionary<long, int>();
        if (limited.Count > 0)
        {
            // Orders that used each limited promotion; cancelled orders give their use back.
            var counts = await connection.QueryAsync<(string Reference, long Orders)>(new CommandDefinition(
                "SELECT a.reference, COUNT(DISTINCT a.order_id) FROM mall_order_adjustment a JOIN mall_order o ON o.id = a.order_id " +
                $"WHERE o.customer_id = @id AND o.status <> @cancelled AND {database.Dialect.InList("a.reference", "@limited")} GROUP BY a.reference",
                new { id, cancelled, limited }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            foreach (var (reference, count) in counts)
                usage[long.Parse(reference["promotion:".Length..], CultureInfo.InvariantCulture)] = (int)count;
        }
        return new PromotionShopper(level, orders == 0, usage);
    }
}
