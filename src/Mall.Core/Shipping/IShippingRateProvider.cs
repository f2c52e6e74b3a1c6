using Mall.Checkout;

namespace Mall.Shipping;

/// <summary>A shipping rate.</summary>
/// <param name="Amount">What shipping costs (zero for free shipping).</param>
/// <param name="Description">Shown to the shopper, e.g. "SF Express, 2 kg".</param>
public sealed record ShippingRate(decimal Amount, string Description);

/// <summary>
/// Prices shipping for a checkout (freight templates, a carrier's rates). When several are registered the
/// cheapest answer applies; with none, shipping is free.
/// </summary>
public interface IShippingRateProvider
{
    /// <summary>Name shown in quote explanations.</summary>
    string Name { get; }

    /// <summary>The rate for the lines to the context's region, or null when this provider does not deliver there.</summary>
    Task<ShippingRate?> QuoteAsync(CheckoutContext context, CancellationToken cancellationToken);
}
