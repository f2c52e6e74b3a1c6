using System.Data.Common;
using Mall.Ordering;

namespace Mall.Checkout;

/// <summary>Prices a checkout: current SKU prices, then every <see cref="ICheckoutStep"/> in order (shipping, promotions, plugins' steps).</summary>
public interface ICheckoutService
{
    /// <summary>
    /// A quote for lines with the shopper's <paramref name="choices"/> (coupon, shipping method); unknown SKUs,
    /// products not on sale, a coupon that cannot apply and a shipping method that does not deliver are rejected with
    /// field errors.
    /// </summary>
    Task<CheckoutQuote> QuoteAsync(long? customerId, IReadOnlyList<PlaceOrderLine> lines, string? regionCode, CheckoutChoices? choices = null, CancellationToken cancellationToken = default);

    /// <summary>The same quote read inside the caller's transaction (order placement prices what it stores).</summary>
    Task<CheckoutQuote> QuoteAsync(DbTransaction transaction, long? customerId, IReadOnlyList<PlaceOrderLine> lines, string? regionCode, CheckoutChoices? choices = null, CancellationToken cancellationToken = default);
}

/// <summary>What the shopper chose at checkout.</summary>
public sealed record CheckoutChoices
{
    /// <summary>One of the shopper's coupons to use.</summary>
    public long? CouponId { get; init; }

    /// <summary>The shipping method (a shipping-rate provider's name, as listed in <see cref="CheckoutQuote.ShippingOptions"/>); null: the cheapest.</summary>
    public string? ShippingMethod { get; init; }

    /// <summary>
    /// Choices a plugin understands, by key (e.g. <c>groupbuy.team</c> → <c>"12"</c>): at most 10, keys of lower-case
    /// letters, digits, '.', '-' and '_' (≤ 64 characters), values ≤ 200 characters. A key that no checkout step or
    /// promotion evaluator reads (<see cref="CheckoutContext.TryGetExtension"/>) is rejected, so a shopper never pays
    /// the plain price for a feature that is not installed.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Extensions { get; init; }
}
