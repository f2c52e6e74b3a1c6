using Mall.Common;
using Mall.Promotions;

namespace Mall.Core.Tests;

/// <summary>The promotion engine: thresholds, scopes, stacking and exclusivity, reasons, and exact allocation to lines.</summary>
public class PromotionEngineTests
{
    private static readonly DateTime Now = new(2026, 11, 22, 12, 0, 0, DateTimeKind.Utc);

    private static PromotionLine Line(decimal unitPrice, int quantity, long product = 1, long category = 10, long? brand = 100) =>
        new(product, category, brand, Money.ToCents(unitPrice), quantity);

    private static PromotionRule Rule(long id, PromotionBenefit benefit, decimal value, decimal? minAmount = null, int priority = 0, string? group = null, bool stackable = true,
        PromotionScope scope = PromotionScope.AllGoods, long[]? ids = null) =>
        new() { Id = id, Name = $"rule {id}", Benefit = benefit, Value = value, MinAmount = minAmount, Priority = priority, ExclusivityGroup = group, Stackable = stackable, Scope = scope, ScopeIds = ids ?? [] };

    [Fact]
    public void Full_reduction_is_shared_among_lines_to_the_cent()
    {
        var outcome = PromotionEngine.Evaluate([Line(60m, 1), Line(50m, 1, product: 2)], PromotionShopper.Guest,
            [Rule(1, PromotionBenefit.OrderReduce, 20m, minAmount: 100m)], Now);
        Assert.Equal(2000, outcome.DiscountCents);
        Assert.Equal([1091L, 909L], outcome.LineDiscounts.Select(l => l.Sum(p => p.Cents)).ToArray());
        Assert.Equal(1, Assert.Single(outcome.Applied).RuleId);
    }

    [Fact]
    public void A_threshold_not_reached_is_explained()
    {
        var outcome = PromotionEngine.Evaluate([Line(60m, 1)], PromotionShopper.Guest, [Rule(1, PromotionBenefit.OrderReduce, 20m, minAmount: 100m)], Now);
        Assert.Equal(0, outcome.DiscountCents);
        Assert.Contains("needs 100.00", Assert.Single(outcome.Skipped).Reason);
    }

    [Fact]
    public void Only_the_best_rule_of_an_exclusivity_group_applies_and_the_others_stack()
    {
        var outcome = PromotionEngine.Evaluate([Line(60m, 2)], PromotionShopper.Guest,
        [
            Rule(1, PromotionBenefit.OrderReduce, 20m, minAmount: 100m, group: "full"),
            Rule(2, PromotionBenefit.OrderReduce, 25m, minAmount: 100m, group: "full"),
            Rule(3, PromotionBenefit.GoodsReduce, 1m, priority: 10),
        ], Now);
        Assert.Equal([3L, 2L], outcome.Applied.Select(a => a.RuleId).ToArray());   // priority order
        Assert.Equal(200 + 2500, outcome.DiscountCents);
        Assert.Contains("group 'full'", Assert.Single(outcome.Skipped).Reason);
    }

    [Fact]
    public void A_non_stackable_rule_applies_alone_when_it_saves_more_and_not_otherwise()
    {
        PromotionRule[] rules = [Rule(1, PromotionBenefit.OrderReduce, 20m, minAmount: 100m), Rule(2, PromotionBenefit.OrderDiscount, 0.8m, stackable: false)];
        var big = PromotionEngine.Evaluate([Line(200m, 1)], PromotionShopper.Guest, rules, Now);
        Assert.Equal(2, Assert.Single(big.Applied).RuleId);                        // 40 off beats 20 off
        Assert.Equal(4000, big.DiscountCents);
        var small = PromotionEngine.Evaluate([Line(100m, 1)], PromotionShopper.Guest, [Rule(1, PromotionBenefit.OrderReduce, 25m, minAmount: 100m), rules[1]], Now);
        Assert.Equal(1, Assert.Single(small.Applied).RuleId);                      // 25 off beats 20 off
        Assert.Contains("applies alone", Assert.Single(small.Skipped).Reason);
    }

    [Fact]
    public void Thresholds_are_checked_again_on_the_prices_left_by_earlier_promotions()
    {
        var outcome = PromotionEngine.Evaluate([Line(150m, 1)], PromotionShopper.Guest,
            [Rule(1, PromotionBenefit.GoodsDiscount, 0.5m, priority: 10), Rule(2, PromotionBenefit.OrderReduce, 20m, minAmount: 100m, priority: 5)], Now);
        Assert.Equal(7500, outcome.DiscountCents);
        Assert.Contains("after the promotions applied before it", Assert.Single(outcome.Skipped).Reason);
    }

    [Fact]
    public void Time_window_member_level_first_order_and_per_shopper_limit_are_explained()
    {
        var shopper = new PromotionShopper(1, false, new Dictionary<long, int> { [4] = 2 });
        var outcome = PromotionEngine.Evaluate([Line(100m, 1)], shopper,
        [
            Rule(1, PromotionBenefit.GoodsReduce, 1m) with { StartsAt = Now.AddDays(1) },
            Rule(2, PromotionBenefit.GoodsReduce, 1m) with { MinMemberLevel = 3 },
            Rule(3, PromotionBenefit.GoodsReduce, 1m) with { FirstOrderOnly = true },
            Rule(4, PromotionBenefit.GoodsReduce, 1m) with { PerCustomerLimit = 2 },
            Rule(5, PromotionBenefit.GoodsReduce, 1m) with { EndsAt = Now },
        ], Now);
        Assert.Empty(outcome.Applied);
        var reasons = outcome.Skipped.ToDictionary(s => s.RuleId, s => s.Reason);
        Assert.Contains("starts at", reasons[1]);
        Assert.Contains("level 3", reasons[2]);
        Assert.Contains("first order", reasons[3]);
        Assert.Contains("used 2 of 2", reasons[4]);
        Assert.Contains("ended", reasons[5]);
    }

    [Fact]
    public void Scopes_select_lines_by_product_category_and_brand_and_fixed_prices_free_shipping_and_gifts_apply()
    {
        PromotionLine[] lines = [Line(30m, 2, product: 1, category: 10, brand: 100), Line(20m, 1, product: 2, category: 20, brand: null), Line(10m, 3, product: 3, category: 10, brand: 200)];
        var outcome = PromotionEngine.Evaluate(lines, PromotionShopper.Guest,
        [
            Rule(1, PromotionBenefit.GoodsFixedPrice, 25m, scope: PromotionScope.Products, ids: [1]),       // 2 × 5 off line 0
            Rule(2, PromotionBenefit.GoodsReduce, 1m, scope: PromotionScope.Categories, ids: [20]),         // 1 off line 1
            Rule(3, PromotionBenefit.GoodsDiscount, 0.9m, scope: PromotionScope.Brands, ids: [200]),        // 3 off line 2
            Rule(4, PromotionBenefit.FreeShipping, 0m, minAmount: 50m),
            Rule(5, PromotionBenefit.Gift, 0m) with { GiftSkuId = 77, GiftQuantity = 2 },
            Rule(6, PromotionBenefit.GoodsReduce, 1m, scope: PromotionScope.Brands, ids: [999]),
        ], Now);
        Assert.Equal([1000L, 100L, 300L], outcome.LineDiscounts.Select(l => l.Sum(p => p.Cents)).ToArray());
        Assert.True(outcome.FreeShipping);
        Assert.Equal(new PromotionGift(5, 77, 2), Assert.Single(outcome.Gifts));
        Assert.Contains("no goods", Assert.Single(outcome.Skipped).Reason);
    }

    [Fact]
    public void Random_carts_and_rules_always_add_up_never_exceed_a_line_and_never_go_negative()
    {
        var random = new Random(20261122);
        var benefits = Enum.GetValues<PromotionBenefit>();
        for (var round = 0; round < 500; round++)
        {
            var lines = Enumerable.Range(0, random.Next(1, 21))
                .Select(_ => new PromotionLine(random.Next(1, 6), random.Next(1, 4), random.Next(3) == 0 ? null : random.Next(1, 4), random.Next(1, 100_000), random.Next(1, 10)))
                .ToList();
            var rules = Enumerable.Range(1, random.Next(1, 51)).Select(id => new PromotionRule
            {
                Id = id, Name = $"r{id}", Priority = random.Next(5), Benefit = benefits[random.Next(benefits.Length)],
                Value = random.Next(2) == 0 ? random.Next(1, 5000) / 100m : random.Next(1, 100) / 100m,
                Scope = (PromotionScope)random.Next(4), ScopeIds = [random.Next(1, 6), random.Next(1, 4)],
                MinAmount = random.Next(3) == 0 ? random.Next(1, 3000) : null, ExclusivityGroup = random.Next(3) == 0 ? $"g{random.Next(3)}" : null,
                Stackable = random.Next(5) != 0, GiftSkuId = 1,
            }).ToList();
            var outcome = PromotionEngine.Evaluate(lines, PromotionShopper.Guest, rules, Now);
            var perLine = outcome.LineDiscounts.Select(l => l.Sum(p => p.Cents)).ToList();
            Assert.Equal(outcome.DiscountCents, perLine.Sum());
            Assert.Equal(outcome.DiscountCents, outcome.Applied.Sum(a => a.DiscountCents));
            for (var i = 0; i < lines.Count; i++) Assert.InRange(perLine[i], 0, lines[i].AmountCents);
            Assert.Equal(rules.Count, outcome.Applied.Count + outcome.Skipped.Count);
        }
    }

    [Fact]
    public void Allocation_is_exact_and_within_a_cent_of_proportional()
    {
        var random = new Random(7);
        for (var round = 0; round < 1000; round++)
        {
            var weights = Enumerable.Range(0, random.Next(1, 30)).Select(_ => (long)random.Next(0, 1_000_000)).ToArray();
            var total = weights.Sum() == 0 ? 0 : random.NextInt64(0, weights.Sum() + 1);
            var shares = new long[weights.Length];
            Money.Allocate(total, weights, shares);
            Assert.Equal(total, shares.Sum());
            for (var i = 0; i < weights.Length; i++)
            {
                var exact = weights.Sum() == 0 ? 0 : (decimal)total * weights[i] / weights.Sum();
                Assert.InRange(shares[i], (long)Math.Floor(exact), (long)Math.Ceiling(exact));
            }
        }
    }
}
