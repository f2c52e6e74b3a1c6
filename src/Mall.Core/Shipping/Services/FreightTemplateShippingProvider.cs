using Mall.Checkout;
using Mall.Common;

namespace Mall.Shipping.Services;

/// <summary>
/// Built-in <see cref="IShippingRateProvider"/> over freight templates: the lines are grouped by their product's
/// template (or the default one); each group pays its template's charge for the destination region, or nothing when
/// it reaches the template's free-shipping amount or count; the rate is the sum over the groups. A line whose template
/// does not deliver to the region makes the quote fail. Without any template it offers no rate (shipping is free).
/// </summary>
internal sealed class FreightTemplateShippingProvider(FreightTemplateService templates) : IShippingRateProvider
{
    /// <inheritdoc />
    public string Name => "freight-template";

    /// <inheritdoc />
    public async Task<ShippingRate?> QuoteAsync(CheckoutContext context, CancellationToken cancellationToken)
    {
        var all = await templates.CurrentAsync(context.Connection, context.Transaction, cancellationToken).ConfigureAwait(false);
        if (all.Count == 0) return null;
        var byId = all.ToDictionary(t => t.Id);
        var fallback = all.FirstOrDefault(t => t.IsDefault);
        decimal total = 0;
        var parts = new List<string>();
        foreach (var group in context.Lines.GroupBy(l => l.FreightTemplateId is { } id && byId.ContainsKey(id) ? id : fallback?.Id))
        {
            // Lines with neither a template of their own nor a default one ship free.
            if (group.Key is not { } templateId) continue;
            var template = byId[templateId];
            if (context.RegionCode is { } region && Matches(template.ExcludedRegions, region) > 0)
                throw new MallValidationException("regionCode", $"{group.First().ProductName} is not delivered to region {region}.") { Code = "shipping.not_deliverable" };
            var amount = group.Sum(l => l.LineTotal);
            var pieces = group.Sum(l => (long)l.Quantity);
            decimal fee;
            if ((template.FreeOverAmount is { } freeAmount && amount >= freeAmount) || (template.FreeOverCount is { } freeCount && pieces >= freeCount))
                fee = 0m;
            else
            {
                var units = template.ChargeBy == FreightChargeBy.Piece ? pieces : group.Sum(l => (long)l.WeightGrams * l.Quantity);
                fee = ChargeFor(template, context.RegionCode).FeeFor(units);
            }
            total += fee;
            parts.Add($"{template.Name} {fee:0.00}");
        }
        return parts.Count == 0 ? null : new ShippingRate(total, string.Join(", ", parts));
    }

    /// <summary>The charge of the most specific rule for <paramref name="region"/> (district, then city, then province), or the default.</summary>
    public static FreightCharge ChargeFor(FreightTemplate template, string? region)
    {
        if (region is null) return template.DefaultCharge;
        FreightCharge? best = null;
        var bestLevel = 0;
        foreach (var rule in template.Rules)
        {
            var level = Matches(rule.RegionCodes, region);
            if (level > bestLevel)
            {
                best = rule.Charge;
                bestLevel = level;
            }
        }
        return best ?? template.DefaultCharge;
    }

    /// <summary>How specifically <paramref name="codes"/> cover <paramref name="region"/>: 3 district, 2 city, 1 province, 0 not.</summary>
    private static int Matches(IReadOnlyList<string> codes, string region)
    {
        if (region.Length != 6) return 0;
        var city = region[..4] + "00";
        var province = region[..2] + "0000";
        var level = 0;
        foreach (var code in codes)
        {
            if (code == region) return 3;
            if (code == city) level = Math.Max(level, 2);
            else if (code == province) level = Math.Max(level, 1);
        }
        return level;
    }
}
