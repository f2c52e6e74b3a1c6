using System.Data.Common;
using System.Globalization;
using Mall.Ordering;

namespace Mall.Promotions.Services;

/// <summary>What the rules need to know of a shopper, read through the features that own it (customers, orders).</summary>
internal sealed class PromotionShopperReader(IOrderService orders, Mall.Customers.ICustomerService customers)
{
    /// <summary>The member level of each of <paramref name="customerIds"/> that exists.</summary>
    public Task<IReadOnlyDictionary<long, int>> MemberLevelsAsync(IReadOnlyCollection<long> customerIds, CancellationToken cancellationToken) =>
        customers.GetMemberLevelsAsync(customerIds, null, cancellationToken);

    /// <summary>Member level, first order and usage, read only when a rule asks for them (in <paramref name="tx"/> when there is one).</summary>
    public async Task<PromotionShopper> ReadAsync(DbTransaction? tx, long? customerId, IReadOnlyList<PromotionRule> rules, CancellationToken cancellationToken)
    {
        var limited = rules.Where(r => r.PerCustomerLimit is not null).Select(r => RulePromotionEvaluator.ReferenceOf(r.Id)).ToList();
        if (customerId is not { } id || (limited.Count == 0 && !rules.Any(r => r.MinMemberLevel is not null || r.FirstOrderOnly))) return PromotionShopper.Guest;
        var level = (await customers.GetMemberLevelsAsync([id], tx, cancellationToken).ConfigureAwait(false)).GetValueOrDefault(id);
        // Orders that used each limited promotion; cancelled orders give their use back.
        var history = await orders.CountShopperOrdersAsync(id, limited, tx, cancellationToken).ConfigureAwait(false);
        var usage = new Dictionary<long, int>();
        foreach (var (reference, count) in history.ByAdjustment)
            usage[long.Parse(reference["promotion:".Length..], CultureInfo.InvariantCulture)] = count;
        return new PromotionShopper(level, history.Placed == 0, usage);
    }
}
