using Mall.Plugins;
using Mall.Promotions;
using Mall.Shipping;

namespace Mall.Checkout.Services;

/// <summary>Step 200: the cheapest rate of the registered <see cref="IShippingRateProvider"/>s (free when none is registered).</summary>
public sealed class ShippingCheckoutStep(IExtensionRegistry extensions) : ICheckoutStep
{
    /// <inheritdoc />
    public int Order => 200;

    /// <inheritdoc />
    public async Task ApplyAsync(CheckoutContext context, CancellationToken cancellationToken)
    {
        (string Name, ShippingRate Rate)? best = null;
        using var providers = extensions.Acquire<IShippingRateProvider>();
        foreach (var (provider, _) in providers.Items)
        {
            if (await provider.QuoteAsync(context, cancellationToken).ConfigureAwait(false) is { } rate && (best is null || rate.Amount < best.Value.Rate.Amount))
                best = (provider.Name, rate);
        }
        if (best is { } chosen) context.AddShipping(chosen.Name, chosen.Rate.Amount, chosen.Rate.Description);
    }
}

/// <summary>Step 300: discounts of the registered <see cref="IPromotionEvaluator"/>s (none when none is registered).</summary>
public sealed class PromotionCheckoutStep(IExtensionRegistry extensions) : ICheckoutStep
{
    /// <inheritdoc />
    public int Order => 300;

    /// <inheritdoc />
    public async Task ApplyAsync(CheckoutContext context, CancellationToken cancellationToken)
    {
        using var evaluators = extensions.Acquire<IPromotionEvaluator>();
        foreach (var (evaluator, _) in evaluators.Items)
        foreach (var discount in await evaluator.EvaluateAsync(context, cancellationToken).ConfigureAwait(false))
        {
            context.AddDiscount(evaluator.Name, discount.Amount, discount.Description, discount.Reference);
            // Each line carries its share, so that line amounts add up to the total and a refunded line returns its share.
            if (discount.LineShares is { } shares && shares.Count == context.Lines.Count)
                context.Lines = context.Lines.Select((line, i) => shares[i] == 0 ? line : line with { Discount = line.Discount + shares[i] }).ToList();
        }
    }
}
