using System.Globalization;
using System.Text.Json.Nodes;
using Mall.Catalog;
using Mall.Common;
using Mall.Inventory;
using Microsoft.Extensions.Logging;

namespace Mall.Plugins.ErpSync;

/// <summary>What a pull applied.</summary>
/// <param name="StockApplied">SKUs whose available stock was set from the ERP.</param>
/// <param name="PricesApplied">SKUs whose price changed.</param>
/// <param name="Skipped">Items already applied (a repeated or older version) — the ERP may answer out of order.</param>
/// <param name="Unknown">Items naming a SKU the mall does not have.</param>
/// <param name="Rejected">Items that are not valid (a negative quantity, a price that is not an amount).</param>
/// <param name="StockDeferred">The stock pull waited: paid orders are still on their way to the ERP, whose stock does not count them yet.</param>
public sealed record ErpPullResult(int StockApplied, int PricesApplied, int Skipped, int Unknown, int Rejected, bool StockDeferred)
{
    /// <summary>Both results added.</summary>
    public static ErpPullResult operator +(ErpPullResult a, ErpPullResult b) => new(a.StockApplied + b.StockApplied, a.PricesApplied + b.PricesApplied,
        a.Skipped + b.Skipped, a.Unknown + b.Unknown, a.Rejected + b.Rejected, a.StockDeferred || b.StockDeferred);
}

/// <summary>
/// Pulls stock levels (<c>erp.stock.query</c>) and prices (<c>erp.price.query</c>) page by page from a cursor kept
/// in the database. Each item carries the ERP's version of that SKU: an item at or below the version applied is
/// skipped, so a repeated or out-of-order answer changes nothing.
/// </summary>
/// <remarks>
/// The ERP's quantity is the sellable stock it knows; units held by the mall's unpaid orders are not in it, so the
/// mall's available stock becomes <c>quantity − reserved</c> (never below zero). It is applied as an inventory
/// adjustment — one conditional update, idempotent by the ERP version — so concurrent checkouts never drive stock
/// below zero and the ledger keeps <c>received = available + reserved + sold</c>. While paid orders are still
/// waiting to reach the ERP, its quantity still counts their units, so the stock pull waits for the push backlog.
/// </remarks>
public sealed class ErpPuller(ErpStore store, ErpClient client, IProductService products, IInventoryService inventory, TimeProvider clock, ILogger<ErpPuller> logger)
{
    internal const short StockKind = 1;
    internal const short PriceKind = 2;
    private const int PageSize = 100;
    private const int MaxPages = 1000;
    private const int AdjustAttempts = 20;

    /// <summary>One pull of both feeds from their cursors to the end.</summary>
    public async Task<ErpPullResult> RunOnceAsync(ErpSettings settings, bool pushBacklog, CancellationToken cancellationToken)
    {
        var result = new ErpPullResult(0, 0, 0, 0, 0, pushBacklog);
        if (!pushBacklog) result += await PullAsync(settings, "erp.stock.query", "stock.cursor", ApplyStockAsync, cancellationToken);
        result += await PullAsync(settings, "erp.price.query", "price.cursor", ApplyPricesAsync, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        await store.SetStatesAsync(now, cancellationToken, ("pull.lastSuccessAt", now.ToString("O", CultureInfo.InvariantCulture)), ("pull.lastError", null));
        if (result.StockApplied + result.PricesApplied > 0 || result.Unknown + result.Rejected > 0)
            logger.LogInformation("ERP sync pulled: {Stock} stock level(s), {Prices} price(s); {Skipped} already applied, {Unknown} unknown SKU(s), {Rejected} rejected.",
                result.StockApplied, result.PricesApplied, result.Skipped, result.Unknown, result.Rejected);
        return result;
    }

    private delegate Task<ErpPullResult> ApplyPage(ErpSettings settings, IReadOnlyList<PullItem> items, CancellationToken cancellationToken);

    /// <summary>One item of a page: the Mall SKU it names, the ERP's version and value.</summary>
    private sealed record PullItem(string SkuCode, long Version, JsonNode? Value);

    private async Task<ErpPullResult> PullAsync(ErpSettings settings, string method, string cursorName, ApplyPage apply, CancellationToken cancellationToken)
    {
        var result = new ErpPullResult(0, 0, 0, 0, 0, false);
        var cursor = await store.GetStateAsync(cursorName, cancellationToken) ?? "";
        for (var page = 0; page < MaxPages; page++)
        {
            var data = await client.CallAsync(settings, method, new JsonObject { ["warehouse"] = settings.WarehouseCode, ["cursor"] = cursor, ["limit"] = PageSize }, cancellationToken);
            // The whole page is read before anything is applied: a malformed answer applies nothing.
            if (data["items"] is not JsonArray array) throw new ErpCallException($"{method}: the answer has no items array.");
            var items = new List<PullItem>(array.Count);
            foreach (var node in array)
            {
                if (node is not JsonObject item || (string?)item["sku"] is not { Length: > 0 } sku || item["version"] is not JsonValue v || !v.TryGetValue(out long version))
                    throw new ErpCallException($"{method}: an item lacks sku or a numeric version: {node?.ToJsonString()}");
                items.Add(new PullItem(settings.MallSku(sku), version, item[method == "erp.stock.query" ? "qty" : "price"]));
            }
            var next = data["next_cursor"] is JsonValue n && n.TryGetValue(out string? text) ? text : null;
            var more = data["has_more"] is JsonValue m && m.TryGetValue(out bool flag) && flag;
            result += await apply(settings, items, cancellationToken);
            if (next is not null && next != cursor)
            {
                cursor = next;
                await store.SetStatesAsync(clock.GetUtcNow().UtcDateTime, cancellationToken, (cursorName, cursor));
            }
            else if (more) throw new ErpCallException($"{method}: has_more without a new next_cursor.");
            if (!more) break;
        }
        return result;
    }

    private async Task<ErpPullResult> ApplyStockAsync(ErpSettings settings, IReadOnlyList<PullItem> items, CancellationToken cancellationToken)
    {
        var (known, unknown) = await ResolveAsync(items, cancellationToken);
        var versions = await store.VersionsAsync(StockKind, known.Values.Select(s => s.Id).Distinct().ToList(), cancellationToken);
        int applied = 0, skipped = 0, rejected = 0;
        foreach (var item in items)
        {
            if (!known.TryGetValue(item.SkuCode, out var sku)) continue;
            if (versions.TryGetValue(sku.Id, out var done) && item.Version <= done)
            {
                skipped++;
                continue;
            }
            if (item.Value is not JsonValue q || !q.TryGetValue(out long quantity) || quantity < 0 || quantity > 100_000_000)
            {
                rejected++;
                logger.LogWarning("ERP sync: stock of {Sku} v{Version} is not a quantity: {Value}", item.SkuCode, item.Version, item.Value?.ToJsonString());
                continue;
            }
            await SetAvailableAsync(sku.Id, quantity, item.Version, settings.WarehouseCode, cancellationToken);
            await store.SetVersionAsync(StockKind, sku.Id, item.Version, quantity, clock.GetUtcNow().UtcDateTime, cancellationToken);
            versions[sku.Id] = item.Version;
            applied++;
        }
        return new ErpPullResult(applied, 0, skipped, unknown, rejected, false);
    }

    /// <summary>Available becomes <c>quantity − reserved</c> (at least zero), by one idempotent adjustment; a checkout taking units meanwhile makes it compute again.</summary>
    private async Task SetAvailableAsync(long skuId, long quantity, long version, string warehouse, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var levels = await inventory.GetLevelsAsync([skuId], null, cancellationToken);
            if (!levels.TryGetValue(skuId, out var level)) return;
            var delta = Math.Max(0, quantity - level.Reserved) - level.Available;
            if (delta == 0) return;
            try
            {
                await inventory.AdjustAsync(new StockAdjustment(skuId, delta, $"ERP {warehouse}: {quantity} sellable (v{version})",
                    "erp-stock-" + version.ToString(CultureInfo.InvariantCulture)), cancellationToken);
                return;
            }
            catch (MallConflictException) when (attempt < AdjustAttempts)
            {
                // A checkout took units between the read and the adjustment: read again, after a short random pause
                // so that a burst of checkouts does not win every race.
                await Task.Delay(Random.Shared.Next(1, 15), cancellationToken);
            }
        }
    }

    private async Task<ErpPullResult> ApplyPricesAsync(ErpSettings settings, IReadOnlyList<PullItem> items, CancellationToken cancellationToken)
    {
        var (known, unknown) = await ResolveAsync(items, cancellationToken);
        var versions = await store.VersionsAsync(PriceKind, known.Values.Select(s => s.Id).Distinct().ToList(), cancellationToken);
        var latest = new Dictionary<long, (long Version, decimal Price)>();
        int skipped = 0, rejected = 0;
        foreach (var item in items)
        {
            if (!known.TryGetValue(item.SkuCode, out var sku)) continue;
            if ((versions.TryGetValue(sku.Id, out var done) && item.Version <= done) || (latest.TryGetValue(sku.Id, out var seen) && item.Version <= seen.Version))
            {
                skipped++;
                continue;
            }
            if (!TryPrice(item.Value, out var price))
            {
                rejected++;
                logger.LogWarning("ERP sync: price of {Sku} v{Version} is not an amount: {Value}", item.SkuCode, item.Version, item.Value?.ToJsonString());
                continue;
            }
            latest[sku.Id] = (item.Version, price);
        }
        var changed = latest.Count == 0 ? 0
            : await products.SetSkuPricesAsync(latest.Select(p => new SkuPriceChange(p.Key, p.Value.Price)).ToList(), cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var (skuId, (version, price)) in latest)
            await store.SetVersionAsync(PriceKind, skuId, version, Money.ToCents(price), now, cancellationToken);
        return new ErpPullResult(0, changed, skipped + (latest.Count - changed), unknown, rejected, false);
    }

    private static bool TryPrice(JsonNode? node, out decimal price)
    {
        price = 0;
        var ok = node is JsonValue value && (value.TryGetValue(out price) ||
            (value.TryGetValue(out string? text) && decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out price)));
        return ok && price > 0 && price <= 10_000_000m && decimal.Round(price, 2) == price;
    }

    private async Task<(Dictionary<string, CatalogSku> Known, int Unknown)> ResolveAsync(IReadOnlyList<PullItem> items, CancellationToken cancellationToken)
    {
        var codes = items.Select(i => i.SkuCode).Distinct(StringComparer.Ordinal).ToList();
        var skus = codes.Count == 0 ? new Dictionary<string, CatalogSku>() : new Dictionary<string, CatalogSku>(await products.GetSkusByCodeAsync(codes, cancellationToken), StringComparer.Ordinal);
        return (skus, items.Count(i => !skus.ContainsKey(i.SkuCode)));
    }
}
