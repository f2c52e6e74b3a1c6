using Mall.Plugins;
using Mall.Promotions;
using Mall.Shipping;

namespace Mall.Checkout.Services;

/// <summary>
/// Step 200: every registered <see cref="IShippingRateProvider"/> that delivers is listed as an option; the shopper's
/// chosen method is charged, else the cheapest (free when none is registered).
/// </summary>
internal sealed class ShippingCheckoutStep(IExtensionRegistry extensions) : ICheckoutStep
{
    /// <inheritdoc />
    public int Order => 200;

    /// <inheritdoc />
    public async Task ApplyAsync(CheckoutContext context, CancellationToken cancellationToken)
    {
        using var providers = extensions.Acquire<IShippingRateProvider>();
        foreach (var (provider, _) in providers.Items)
        {
            if (await provider.QuoteAsync(context, cancellationToken).ConfigureAwait(false) is { } rate)
                context.AddShippingOption(new ShippingOption(provider.Name, rate.Amount, rate.Description));
        }
        if (context.ShippingOptions.Count == 0)
        {
            if (context.ShippingMethod is { } wanted) throw new Common.MallValidationException("shippingMethod", $"'{wanted}' does not deliver this order.");
            return;
        }
        var chosen = context.ShippingMethod is { } method
            ? context.ShippingOptions.FirstOrDefault(o => string.Equals(o.Method, method, StringComparison.OrdinalIgnoreCase))
              ?? throw new Common.MallValidationException("shippingMethod", $"'{method}' does not deliver this order; choose one of: {string.Join(", ", context.ShippingOptions.Select(o => o.Method))}.")
            : context.ShippingOptions.MinBy(o => o.Amount)!;
        context.AddShipping(chosen.Method, chosen.Amount, chosen.Description);
    }
}

/// <summary>Step 300: discounts of the registered <see cref="IPromotionEvaluator"/>s (none when none is registered).</summary>
internal sealed class PromotionCheckoutStep(IExtensionRegistry extensions) : ICheckoutStep
{
    /// <inheritdoc />
    public int Order => 300;

    /// <inheritdoc />
    public async Task ApplyAsync(CheckoutContext context, CancellationToken cancellationToken)
    {
        if (context.PromotionsExcluded) return;
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
