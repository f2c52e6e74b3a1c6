using System.Globalization;
using Mall.Checkout;
using Mall.Common;
using Mall.Promotions;

namespace Mall.Coupons.Services;

/// <summary>
/// The built-in coupon evaluator: applies the coupon the shopper chose (<see cref="CheckoutContext.CouponId"/>) to the
/// line amounts left after promotions, and shares its discount among the lines it covers. A chosen coupon that
/// cannot apply is an error on <c>couponId</c> with the reason, in the quote and when placing the order alike.
/// </summary>
internal sealed class CouponPromotionEvaluator(CouponService coupons, TimeProvider clock) : IPromotionEvaluator
{
    /// <inheritdoc />
    public string Name => "coupons";

    /// <summary>The reference an order keeps of a coupon it used.</summary>
    public static string ReferenceOf(long couponId) => string.Create(CultureInfo.InvariantCulture, $"coupon:{couponId}");

    /// <inheritdoc />
    public async Task<IReadOnlyList<PromotionDiscount>> EvaluateAsync(CheckoutContext context, CancellationToken cancellationToken)
    {
        if (context.CouponId is not { } couponId) return [];
        if (context.CustomerId is not { } customerId) throw new MallValidationException("couponId", "Log in to use a coupon.");
        var found = await coupons.FindForCheckoutAsync(context.Connection, context.Transaction, couponId, customerId, cancellationToken).ConfigureAwait(false)
            ?? throw new MallValidationException("couponId", $"Coupon {couponId} does not exist.");
        var (coupon, template) = found;
        var shares = Apply(coupon, template, context.Lines, clock.GetUtcNow().UtcDateTime, out var why);
        if (shares is null) throw new MallValidationException("couponId", $"{coupon.Name}: {why}");
        var total = shares.Sum();
        return [new PromotionDiscount(Money.FromCents(total), coupon.Name) { LineShares = shares.Select(Money.FromCents).ToList(), Reference = ReferenceOf(couponId) }];
    }

    /// <summary>The coupon's discount per line in cents (on each line's amount after promotions), or null with the reason it cannot apply.</summary>
    public static long[]? Apply(Coupon coupon, CouponTemplate template, IReadOnlyList<QuoteLine> lines, DateTime now, out string? reason)
    {
        reason = coupon.Status switch
        {
            CouponStatus.Used => $"already used by order {coupon.OrderId}",
            CouponStatus.Voided => "withdrawn by the merchant",
            CouponStatus.Expired => $"expired at {coupon.ValidUntil:yyyy-MM-dd HH:mm} UTC",
            _ when coupon.ValidFrom > now => $"valid from {coupon.ValidFrom:yyyy-MM-dd HH:mm} UTC",
            _ when coupon.ValidUntil is { } until && until <= now => $"expired at {until:yyyy-MM-dd HH:mm} UTC",
            _ => null,
        };
        if (reason is not null) return null;
        var weights = new long[lines.Count];
        long scoped = 0;
        for (var i = 0; i < lines.Count; i++)
        {
            var l = lines[i];
            if (!PromotionEngine.InScope(template.Scope, template.ScopeIds, l.ProductId, l.CategoryId, l.BrandId)) continue;
            weights[i] = Math.Max(0, Money.ToCents(l.LineTotal - l.Discount));
            scoped += weights[i];
        }
        if (scoped == 0)
        {
            reason = "none of the goods in the cart can use it";
            return null;
        }
        if (template.MinAmount is { } min && scoped < Money.ToCents(min))
        {
            reason = $"needs {min.ToString("0.00", CultureInfo.InvariantCulture)} of its goods (after promotions); the cart has {Money.FromCents(scoped).ToString("0.00", CultureInfo.InvariantCulture)}";
            return null;
        }
        var discount = template.Kind switch
        {
            CouponKind.Discount => scoped - (long)decimal.Round(scoped * Math.Clamp(template.Value, 0m, 1m), 0, MidpointRounding.AwayFromZero),
            _ => Math.Min(Money.ToCents(template.Value), scoped),
        };
        if (template.MaxDiscount is { } cap) discount = Math.Min(discount, Money.ToCents(cap));
        var shares = new long[lines.Count];
        Money.Allocate(discount, weights, shares);
        return shares;
    }
}
