using System.Data.Common;
using Dapper;
using Mall.Catalog;
using Mall.Common;
using Mall.Data;
using Mall.Ordering;
using Mall.Plugins;

namespace Mall.Checkout.Services;

/// <summary>Default <see cref="ICheckoutService"/>.</summary>
internal sealed class CheckoutService(IMallDatabase database, IProductService products, Mall.Inventory.IInventoryService inventory, IExtensionRegistry extensions) : ICheckoutService
{
    /// <inheritdoc />
    public async Task<CheckoutQuote> QuoteAsync(long? customerId, IReadOnlyList<PlaceOrderLine> lines, string? regionCode, CheckoutChoices? choices = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await PriceAsync(connection, null, customerId, lines, regionCode, choices ?? new(), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<CheckoutQuote> QuoteAsync(DbTransaction transaction, long? customerId, IReadOnlyList<PlaceOrderLine> lines, string? regionCode, CheckoutChoices? choices = null, CancellationToken cancellationToken = default) =>
        PriceAsync(transaction.Connection!, transaction, customerId, lines, regionCode, choices ?? new(), cancellationToken);

    private async Task<CheckoutQuote> PriceAsync(DbConnection connection, DbTransaction? tx, long? customerId, IReadOnlyList<PlaceOrderLine> lines, string? regionCode, CheckoutChoices choices, CancellationToken cancellationToken)
    {
        if (choices.CouponId is <= 0) throw new MallValidationException("couponId", "must be a positive id or null.");
        if (choices.ShippingMethod is { Length: > 100 }) throw new MallValidationException("shippingMethod", "is at most 100 characters.");
        ValidateExtensions(choices.Extensions);
        var merged = CheckoutLines.Validate(lines);
        var skuIds = merged.Select(l => l.SkuId).ToList();
        // The catalog prices and describes the lines (its service, in this transaction when there is one).
        var skus = await products.GetSkusAsync(skuIds, tx, cancellationToken).ConfigureAwait(false);
        var errors = new ValidationErrors();
        for (var i = 0; i < merged.Count; i++)
        {
            if (!skus.TryGetValue(merged[i].SkuId, out var sku) || sku.IsDeleted) errors.Add($"lines[{i}].skuId", $"SKU {merged[i].SkuId} does not exist.");
            else if (!sku.OnSale) errors.Add($"lines[{i}].skuId", $"SKU {merged[i].SkuId} ({sku.ProductName}) is not on sale.");
        }
        errors.ThrowIfAny();

        var context = new CheckoutContext(customerId, merged.Select(l => ToLine(skus[l.SkuId], l.Quantity)).ToList(), regionCode) { CouponId = choices.CouponId, ShippingMethod = string.IsNullOrWhiteSpace(choices.ShippingMethod) ? null : choices.ShippingMethod.Trim(),
            Extensions = choices.Extensions ?? new Dictionary<string, string>(),
            Connection = connection, Transaction = tx,
        };
        // Steps come from the host and from enabled plugins, so they are looked up per quote.
        using var steps = extensions.Acquire<ICheckoutStep>();
        foreach (var step in steps.Items.Select(e => e.Instance).OrderBy(s => s.Order))
            await step.ApplyAsync(context, cancellationToken).ConfigureAwait(false);
        if (context.UnreadExtensions().FirstOrDefault() is { } unread)
            throw new MallValidationException($"extensions.{unread}", "No installed feature understands this choice (is its plugin enabled?).");
        return context.Gifts.Count == 0 ? context.ToQuote() : context.ToQuote(await GiftLinesAsync(tx, context, cancellationToken).ConfigureAwait(false));
    }

    private static void ValidateExtensions(IReadOnlyDictionary<string, string>? extensions)
    {
        if (extensions is null) return;
        var errors = new ValidationErrors();
        if (extensions.Count > 10) errors.Add("extensions", "holds at most 10 choices.");
        foreach (var (key, value) in extensions)
        {
            if (key.Length is 0 or > 64 || !char.IsAsciiLetterLower(key[0]) && !char.IsAsciiDigit(key[0]) || !key.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '-' or '_'))
                errors.Add("extensions", $"'{(key.Length > 64 ? key[..64] : key)}' is not a choice key (lower-case letters, digits, '.', '-', '_'; at most 64).");
            else if (value is null || value.Length > 200) errors.Add($"extensions.{key}", "is a value of at most 200 characters.");
        }
        errors.ThrowIfAny();
    }

    /// <summary>Granted gifts as price-zero lines, when the SKU is on sale and has the stock now (赠完即止); else a note says why not.</summary>
    private async Task<IReadOnlyList<QuoteLine>> GiftLinesAsync(DbTransaction? tx, CheckoutContext context, CancellationToken cancellationToken)
    {
        var wanted = context.Gifts.GroupBy(g => g.SkuId).Select(g => (SkuId: g.Key, Quantity: g.Sum(x => x.Quantity), Description: string.Join(", ", g.Select(x => x.Description).Distinct()))).ToList();
        var giftIds = wanted.Select(g => g.SkuId).ToList();
        var rows = await products.GetSkusAsync(giftIds, tx, cancellationToken).ConfigureAwait(false);
        var stock = await inventory.GetLevelsAsync(giftIds, tx, cancellationToken).ConfigureAwait(false);
        var lines = new List<QuoteLine>();
        foreach (var (skuId, quantity, description) in wanted)
        {
            // The gift shares stock with the same SKU bought in this order.
            var bought = context.Lines.Where(l => l.SkuId == skuId).Sum(l => l.Quantity);
            if (!rows.TryGetValue(skuId, out var sku) || !sku.OnSale)
                context.AddNote($"{description}: the gift (SKU {skuId}) is not on sale.");
            else if ((stock.TryGetValue(skuId, out var level) ? level.Available : 0) < quantity + bought)
                context.AddNote($"{description}: the gift {sku.ProductName} is out of stock.");
            else
                lines.Add(ToLine(sku, quantity) with { UnitPrice = 0, IsGift = true });
        }
        return lines;
    }

    private static QuoteLine ToLine(CatalogSku sku, int quantity) => new()
    {
        SkuId = sku.Id, ProductId = sku.ProductId, CategoryId = sku.CategoryId, BrandId = sku.BrandId, ProductName = sku.ProductName, SkuCode = sku.Code,
        SpecValues = sku.SpecValues, ImageUrl = sku.ImageUrl, WeightGrams = sku.WeightGrams, FreightTemplateId = sku.FreightTemplateId, UnitPrice = sku.Price, Quantity = quantity,
    };
}

/// <summary>Shape rules of checkout lines, shared by quotes, carts and orders.</summary>
internal static class CheckoutLines
{
    public const int MaxLines = 100;
    public const int MaxQuantity = 999;

    /// <summary>Checks the lines and merges lines of the same SKU.</summary>
    public static List<PlaceOrderLine> Validate(IReadOnlyList<PlaceOrderLine>? lines)
    {
        var errors = new ValidationErrors();
        lines ??= [];
        if (lines.Count is 0 or > MaxLines) errors.Add("lines", $"must have between 1 and {MaxLines} lines.");
        for (var i = 0; i < lines.Count && i < MaxLines; i++)
        {
            if (lines[i] is null) { errors.Add($"lines[{i}]", "must not be null."); continue; }
            if (lines[i].SkuId <= 0) errors.Add($"lines[{i}].skuId", "is required.");
            errors.Range($"lines[{i}].quantity", lines[i].Quantity, 1, MaxQuantity);
        }
        errors.ThrowIfAny();
        var merged = lines.GroupBy(l => l.SkuId).Select(g => new PlaceOrderLine(g.Key, g.Sum(l => l.Quantity))).ToList();
        var tooMany = merged.FirstOrDefault(l => l.Quantity > MaxQuantity);
        if (tooMany is not null) throw new MallValidationException("lines", $"SKU {tooMany.SkuId} is ordered {tooMany.Quantity} times in all; at most {MaxQuantity}.");
        return merged;
    }
}
