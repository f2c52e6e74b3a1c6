using System.Data.Common;
using Mall.Ordering;

namespace Mall.Checkout;

/// <summary>Prices a checkout: current SKU prices, then every <see cref="ICheckoutStep"/> in order (shipping, promotions, plugins' steps).</summary>
public interface ICheckoutService
{
    /// <summary>
    /// A quote for lines, with the shopper's chosen coupon when <paramref name="couponId"/> is given; unknown SKUs,
    /// products not on sale and a coupon that cannot apply are rejected with field errors.
    /// </summary>
    Task<CheckoutQuote> QuoteAsync(long? customerId, IReadOnlyList<PlaceOrderLine> lines, string? regionCode, long? couponId = null, CancellationToken cancellationToken = default);

    /// <summary>The same quote read inside the caller's transaction (order placement prices what it stores).</summary>
    Task<CheckoutQuote> QuoteAsync(DbTransaction transaction, long? customerId, IReadOnlyList<PlaceOrderLine> lines, string? regionCode, long? couponId = null, CancellationToken cancellationToken = default);
}
