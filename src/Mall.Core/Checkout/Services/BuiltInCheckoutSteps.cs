using Mall.Promotions;
using Mall.Shipping;

namespace Mall.Checkout.Services;

/// <summary>Step 200: the cheapest rate of the registered <see cref="IShippingRateProvider"/>s (free when none is registered).</summary>
public sealed class ShippingCheckoutStep(IEnumerable<IShippingRateProvider> providers) : ICheckoutStep
{
    /// <inheritdoc />
    public int Order => 200;

    /// <inheritdoc />
    public async Task ApplyAsync(CheckoutContext context, CancellationToken cancellationToken)
    {
        (string Name, ShippingRate Rate)? best = null;
        foreach (var provider in providers)
        {
            if (await provider.QuoteAsync(context, cancellationToken).ConfigureAwait(false) is { } rate && (best is null || rate.Amount < best.Value.Rate.Amount))
                best = (provider.Name, rate);
        }
        if (best is { } chosen) context.AddShipping(chosen.Name, chosen.Rate.Amount, chosen.Rate.Description);
    }
}

/// <summary>Step 300: discounts of the registered <see cref="IPromotionEvaluator"/>s (none when none is registered).</summary>
public sealed class PromotionCheckoutStep(IEnumerable<IPromotionEvaluator> evaluators) : ICheckoutStep
{
    /// <inheritdoc />
    public int Order => 300;

    /// <inheritdoc />
    public async Task ApplyAsync(CheckoutContext context, CancellationToken cancellationToken)
    {
        foreach (var evaluator in evaluators)
        foreach (var discount in await evaluator.EvaluateAsync(context, cancellationToken).ConfigureAwait(false))
            context.AddDiscount(evaluator.Name, discount.Amount, discount.Description);
    }
}
