using System.Globalization;
using Mall.Common;

namespace Mall.Promotions;

/// <summary>
/// Chooses and applies promotions to a cart, in cents. Each eligible rule is first valued alone; then the best
/// allowed combination is taken: either the stack (from each exclusivity group the rule worth most, every other
/// stackable rule, applied in priority order on the prices left by the ones before, thresholds checked again at each
/// step) or one non-stackable rule alone, whichever saves most. Pure and allocation-light: it runs on every quote.
/// </summary>
public static class PromotionEngine
{
    /// <summary>Evaluates <paramref name="rules"/> for <paramref name="lines"/> at <paramref name="now"/> (UTC).</summary>
    public static PromotionOutcome Evaluate(IReadOnlyList<PromotionLine> lines, PromotionShopper shopper, IReadOnlyList<PromotionRule> rules, DateTime now)
    {
        var skipped = new List<SkippedPromotion>();
        var original = new long[lines.Count];
        for (var i = 0; i < lines.Count; i++) original[i] = lines[i].AmountCents;

        // 1. Eligibility and each rule's value alone.
        var candidates = new List<(PromotionRule Rule, long Value)>(rules.Count);
        foreach (var rule in rules)
        {
            var reason = Ineligible(rule, shopper, now);
            string? why = null;
            if (reason is null && Apply(rule, lines, original, out why) is { } alone)
                candidates.Add((rule, Sum(alone)));
            else
                skipped.Add(new SkippedPromotion(rule.Id, rule.Name, reason ?? why!));
        }

        // 2. The stack: per exclusivity group the rule worth most (ties: higher priority), plus every ungrouped stackable rule.
        var stack = new List<PromotionRule>();
        var losers = new List<(PromotionRule Rule, string Reason)>();
        foreach (var group in candidates.Where(c => c.Rule.Stackable).GroupBy(c => c.Rule.ExclusivityGroup ?? $"#{c.Rule.Id}"))
        {
            var best = group.OrderByDescending(c => c.Value).ThenByDescending(c => c.Rule.Priority).ThenBy(c => c.Rule.Id).First();
            stack.Add(best.Rule);
            foreach (var other in group.Where(c => c.Rule.Id != best.Rule.Id))
                losers.Add((other.Rule, $"only one promotion of group '{other.Rule.ExclusivityGroup}' applies; {best.Rule.Name} saves more"));
        }
        stack.Sort((a, b) => b.Priority != a.Priority ? b.Priority.CompareTo(a.Priority) : a.Id.CompareTo(b.Id));
        var stacked = ApplyAll(stack, lines, original, skipped);

        // 3. Or one non-stackable rule alone, if it saves more.
        var choice = stacked;
        foreach (var (rule, value) in candidates.Where(c => !c.Rule.Stackable))
        {
            if (value > choice.Discount || (value == choice.Discount && choice.Applied.Count == 0))
                choice = ApplyAll([rule], lines, original, null);
        }
        var appliedIds = choice.Applied.Select(a => a.RuleId).ToHashSet();
        foreach (var (rule, reason) in losers) skipped.Add(new SkippedPromotion(rule.Id, rule.Name, reason));
        foreach (var (rule, value) in candidates)
        {
            if (appliedIds.Contains(rule.Id) || losers.Any(l => l.Rule.Id == rule.Id) || skipped.Any(s => s.RuleId == rule.Id)) continue;
            skipped.Add(new SkippedPromotion(rule.Id, rule.Name, rule.Stackable
                ? "a promotion that applies alone saves more"
                : $"applies alone, and the other promotions together save more ({Money.FromCents(choice.Discount).ToString("0.00", CultureInfo.InvariantCulture)} vs {Money.FromCents(value).ToString("0.00", CultureInfo.InvariantCulture)})"));
        }
        return new PromotionOutcome(choice.Discount, choice.FreeShipping, choice.Applied, skipped, choice.Lines, choice.Gifts);
    }

    private sealed record Combination(long Discount, bool FreeShipping, List<AppliedPromotion> Applied, IReadOnlyList<IReadOnlyList<LinePromotion>> Lines, List<PromotionGift> Gifts);

    private static Combination ApplyAll(List<PromotionRule> rules, IReadOnlyList<PromotionLine> lines, long[] original, List<SkippedPromotion>? skipped)
    {
        var current = (long[])original.Clone();
        var perLine = new List<LinePromotion>[lines.Count];
        for (var i = 0; i < perLine.Length; i++) perLine[i] = [];
        var applied = new List<AppliedPromotion>();
        var gifts = new List<PromotionGift>();
        var free = false;
        long total = 0;
        foreach (var rule in rules)
        {
            if (Apply(rule, lines, current, out var why) is not { } discounts)
            {
                skipped?.Add(new SkippedPromotion(rule.Id, rule.Name, $"{why} after the promotions applied before it"));
                continue;
            }
            long sum = 0;
            for (var i = 0; i < discounts.Length; i++)
            {
                if (discounts[i] == 0) continue;
                current[i] -= discounts[i];
                sum += discounts[i];
                perLine[i].Add(new LinePromotion(rule.Id, discounts[i]));
            }
            total += sum;
            free |= rule.Benefit == PromotionBenefit.FreeShipping;
            if (rule is { Benefit: PromotionBenefit.Gift, GiftSkuId: { } gift }) gifts.Add(new PromotionGift(rule.Id, gift, Math.Max(1, rule.GiftQuantity)));
            applied.Add(new AppliedPromotion(rule.Id, rule.Name, sum));
        }
        return new Combination(total, free, applied, perLine, gifts);
    }

    /// <summary>Why a rule cannot apply to this shopper now, or null.</summary>
    private static string? Ineligible(PromotionRule rule, PromotionShopper shopper, DateTime now)
    {
        if (rule.StartsAt is { } start && now < start) return $"starts at {start:yyyy-MM-dd HH:mm} UTC";
        if (rule.EndsAt is { } end && now >= end) return $"ended at {end:yyyy-MM-dd HH:mm} UTC";
        if (rule.MinMemberLevel is { } level && shopper.MemberLevel < level) return $"for members of level {level} and above";
        if (rule.FirstOrderOnly && !shopper.IsFirstOrder) return "for a first order only";
        if (rule.PerCustomerLimit is { } limit && shopper.Usage.TryGetValue(rule.Id, out var used) && used >= limit) return $"used {used} of {limit} time(s) already";
        return null;
    }

    /// <summary>The rule's discount per line on the <paramref name="current"/> amounts, or null (with the reason) when its conditions fail.</summary>
    private static long[]? Apply(PromotionRule rule, IReadOnlyList<PromotionLine> lines, long[] current, out string? reason)
    {
        long scopedAmount = 0, scopedCount = 0;
        var inScope = new bool[lines.Count];
        for (var i = 0; i < lines.Count; i++)
        {
            if (!InScope(rule, lines[i])) continue;
            inScope[i] = true;
            scopedAmount += current[i];
            scopedCount += lines[i].Quantity;
        }
        if (scopedCount == 0)
        {
            reason = "no goods of the cart are in its scope";
            return null;
        }
        if (rule.MinAmount is { } min && scopedAmount < Money.ToCents(min))
        {
            reason = $"needs {min.ToString("0.00", CultureInfo.InvariantCulture)} of its goods; the cart has {Money.FromCents(scopedAmount).ToString("0.00", CultureInfo.InvariantCulture)}";
            return null;
        }
        if (rule.MinCount is { } count && scopedCount < count)
        {
            reason = $"needs {count} of its goods; the cart has {scopedCount}";
            return null;
        }
        reason = null;
        var discounts = new long[lines.Count];
        var value = Money.ToCents(Math.Max(0, rule.Value));
        switch (rule.Benefit)
        {
            case PromotionBenefit.GoodsReduce:
                for (var i = 0; i < lines.Count; i++)
                    if (inScope[i]) discounts[i] = Math.Min(value * lines[i].Quantity, current[i]);
                break;
            case PromotionBenefit.GoodsDiscount:
                for (var i = 0; i < lines.Count; i++)
                    if (inScope[i]) discounts[i] = current[i] - RoundCents(current[i] * Rate(rule.Value));
                break;
            case PromotionBenefit.GoodsFixedPrice:
                for (var i = 0; i < lines.Count; i++)
                    if (inScope[i]) discounts[i] = Math.Max(0, current[i] - value * lines[i].Quantity);
                break;
            case PromotionBenefit.OrderReduce:
                Share(Math.Min(value, scopedAmount), current, inScope, discounts);
                break;
            case PromotionBenefit.OrderDiscount:
                Share(scopedAmount - RoundCents(scopedAmount * Rate(rule.Value)), current, inScope, discounts);
                break;
        }
        return discounts;
    }

    private static bool InScope(PromotionRule rule, in PromotionLine line) => InScope(rule.Scope, rule.ScopeIds, line.ProductId, line.CategoryId, line.BrandId);

    /// <summary>Whether a line of this product, category and brand is in a scope (promotions and coupons share it).</summary>
    internal static bool InScope(PromotionScope scope, IReadOnlyList<long> ids, long productId, long categoryId, long? brandId) => scope switch
    {
        PromotionScope.AllGoods => true,
        PromotionScope.Products => Contains(ids, productId),
        PromotionScope.Categories => Contains(ids, categoryId),
        PromotionScope.Brands => brandId is { } brand && Contains(ids, brand),
        _ => false,
    };

    private static bool Contains(IReadOnlyList<long> ids, long id)
    {
        for (var i = 0; i < ids.Count; i++)
            if (ids[i] == id) return true;
        return false;
    }

    /// <summary>Shares <paramref name="total"/> among the scoped lines in proportion to their amounts, exactly.</summary>
    private static void Share(long total, long[] current, bool[] inScope, long[] discounts)
    {
        Span<long> weights = current.Length <= 64 ? stackalloc long[current.Length] : new long[current.Length];
        for (var i = 0; i < current.Length; i++) weights[i] = inScope[i] ? current[i] : 0;
        Money.Allocate(total, weights, discounts);
    }

    private static decimal Rate(decimal value) => Math.Clamp(value, 0m, 1m);

    private static long RoundCents(decimal cents) => (long)decimal.Round(cents, 0, MidpointRounding.AwayFromZero);

    private static long Sum(long[] values)
    {
        long sum = 0;
        foreach (var value in values) sum += value;
        return sum;
    }
}
