using Mall.Common;

namespace Mall.Catalog.Services;

/// <summary>Checks a <see cref="ProductInput"/> field by field before anything is written.</summary>
internal static class ProductValidator
{
    public const int MaxSkus = 500;
    public const int MaxDimensions = 5;
    public const int MaxValuesPerDimension = 50;
    public const int MaxImages = 20;
    public const int MaxStock = 100_000_000;

    public static void Validate(ProductInput input)
    {
        var errors = new ValidationErrors();
        errors.Required("name", input.Name, 200);
        errors.MaxLength("subtitle", input.Subtitle, 500);
        errors.MaxLength("description", input.Description, 50_000);
        if (input.CategoryId <= 0) errors.Add("categoryId", "is required.");
        if (input.BrandId is <= 0) errors.Add("brandId", "must be a positive id or null.");

        var images = input.Images ?? [];
        if (images.Count > MaxImages) errors.Add("images", $"must have at most {MaxImages} entries.");
        for (var i = 0; i < images.Count && i < MaxImages; i++)
        {
            if (string.IsNullOrWhiteSpace(images[i])) errors.Add($"images[{i}]", "must not be blank.");
            else errors.Url($"images[{i}]", images[i]);
        }

        var specs = input.Specs ?? [];
        if (specs.Count > MaxDimensions) errors.Add("specs", $"must have at most {MaxDimensions} dimensions.");
        var dimensionNames = new HashSet<string>(StringComparer.Ordinal);
        for (var d = 0; d < specs.Count && d < MaxDimensions; d++)
        {
            var dim = specs[d];
            if (dim is null) { errors.Add($"specs[{d}]", "must not be null."); continue; }
            errors.Required($"specs[{d}].name", dim.Name, 50);
            if (dim.Name is not null && !dimensionNames.Add(dim.Name.Trim())) errors.Add($"specs[{d}].name", $"'{dim.Name}' appears more than once.");
            var values = dim.Values ?? [];
            if (values.Count is 0 or > MaxValuesPerDimension) errors.Add($"specs[{d}].values", $"must have between 1 and {MaxValuesPerDimension} values.");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var v = 0; v < values.Count && v < MaxValuesPerDimension; v++)
            {
                errors.Required($"specs[{d}].values[{v}]", values[v], 50);
                if (values[v] is not null && !seen.Add(values[v].Trim())) errors.Add($"specs[{d}].values[{v}]", $"'{values[v]}' appears more than once.");
            }
        }

        var skus = input.Skus ?? [];
        if (skus.Count is 0 or > MaxSkus) errors.Add("skus", $"must have between 1 and {MaxSkus} entries.");
        var codes = new HashSet<string>(StringComparer.Ordinal);
        var combinations = new HashSet<string>(StringComparer.Ordinal);
        for (var s = 0; s < skus.Count && s < MaxSkus; s++)
        {
            var sku = skus[s];
            var at = $"skus[{s}]";
            if (sku is null) { errors.Add(at, "must not be null."); continue; }
            errors.Required($"{at}.code", sku.Code, 64);
            if (sku.Code is not null && !codes.Add(sku.Code.Trim())) errors.Add($"{at}.code", $"'{sku.Code}' appears more than once in this product.");
            errors.Money($"{at}.price", sku.Price);
            if (sku.MemberPrice is { } member) errors.Money($"{at}.memberPrice", member);
            if (sku.MarketPrice is { } market) errors.Money($"{at}.marketPrice", market);
            errors.MaxLength($"{at}.barcode", sku.Barcode, 64);
            errors.Range($"{at}.weightGrams", sku.WeightGrams, 0, 1_000_000);
            errors.Url($"{at}.imageUrl", sku.ImageUrl);
            errors.Range($"{at}.stock", sku.Stock, 0, MaxStock);
            errors.Range($"{at}.lowStockThreshold", sku.LowStockThreshold, 0, MaxStock);

            // Each SKU names exactly one value of every dimension, and each combination is sold once.
            var values = sku.SpecValues ?? [];
            if (values.Count != specs.Count)
            {
                errors.Add($"{at}.specValues", $"must have {specs.Count} values (one per spec dimension), not {values.Count}.");
                continue;
            }
            var valid = true;
            for (var d = 0; d < values.Count && d < specs.Count; d++)
            {
                var allowed = specs[d]?.Values ?? [];
                if (values[d] is null || !allowed.Any(a => a?.Trim() == values[d].Trim()))
                {
                    errors.Add($"{at}.specValues[{d}]", $"'{values[d]}' is not a value of dimension '{specs[d]?.Name}' (allowed: {string.Join(", ", allowed)}).");
                    valid = false;
                }
            }
            if (valid && !combinations.Add(string.Join('\u001f', values.Select(v => v.Trim()))))
                errors.Add($"{at}.specValues", $"the combination {string.Join(" / ", values)} appears more than once.");
        }
        errors.ThrowIfAny();
    }
}
