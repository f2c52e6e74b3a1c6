using System.Data.Common;
using Dapper;
using Mall.Catalog;
using Mall.Checkout.Services;
using Mall.Common;
using Mall.Data;
using Mall.Ordering;

namespace Mall.Carts.Services;

/// <summary>Default <see cref="ICartService"/> over the Mall database.</summary>
internal sealed class CartService(IMallDatabase database, IProductService products, Mall.Inventory.IInventoryService inventory, TimeProvider clock) : ICartService
{
    private ISqlDialect Dialect => database.Dialect;

    /// <inheritdoc />
    public async Task<Cart> GetAsync(CartOwner owner, CancellationToken cancellationToken = default)
    {
        List<Row> rows;
        await using (var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
            rows = (await connection.QueryAsync<Row>(new CommandDefinition(
                "SELECT sku_id AS SkuId, quantity AS Quantity, selected AS Selected FROM mall_cart_line WHERE owner = @Key ORDER BY id",
                new { owner.Key }, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        if (rows.Count == 0) return new Cart([], 0, 0);
        // The catalog's and the inventory's views of the lines' SKUs, through their services.
        var skuIds = rows.Select(r => r.SkuId).ToList();
        var skus = await products.GetSkusAsync(skuIds, cancellationToken: cancellationToken).ConfigureAwait(false);
        var stock = await inventory.GetLevelsAsync(skuIds, cancellationToken: cancellationToken).ConfigureAwait(false);
        var lines = rows.Where(r => skus.ContainsKey(r.SkuId) && stock.ContainsKey(r.SkuId)).Select(r => r.ToLine(skus[r.SkuId], stock[r.SkuId].Available)).ToList();
        var buyable = lines.Where(l => l.Selected && l.OnSale).ToList();
        return new Cart(lines, buyable.Sum(l => l.LineTotal), buyable.Sum(l => l.Quantity));
    }

    /// <inheritdoc />
    public async Task<Cart> AddAsync(CartOwner owner, long skuId, int quantity, CancellationToken cancellationToken = default)
    {
        var errors = new ValidationErrors();
        if (skuId <= 0) errors.Add("skuId", "is required.");
        errors.Range("quantity", quantity, 1, CheckoutLines.MaxQuantity);
        errors.ThrowIfAny();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await database.InTransactionAsync(async tx =>
                {
                    var connection = tx.Connection!;
                    await EnsureOnSaleAsync(tx, skuId, cancellationToken).ConfigureAwait(false);
                    var now = clock.GetUtcNow().UtcDateTime;
                    var existing = (await connection.QueryAsync<int>(new CommandDefinition(
                        $"SELECT quantity FROM mall_cart_line WHERE owner = @Key AND sku_id = @skuId{Dialect.ForUpdate}", new { owner.Key, skuId }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
                    if (existing.Count > 0)
                    {
                        var total = existing[0] + quantity;
                        if (total > CheckoutLines.MaxQuantity) throw new MallValidationException("quantity", $"A cart line holds at most {CheckoutLines.MaxQuantity} units; it has {existing[0]}.");
                        return await connection.ExecuteAsync(new CommandDefinition(
                            "UPDATE mall_cart_line SET quantity = @total, selected = TRUE, updated_at = @now WHERE owner = @Key AND sku_id = @skuId",
                            new { owner.Key, skuId, total, now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
                    }
                    var count = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                        "SELECT COUNT(*) FROM mall_cart_line WHERE owner = @Key", new { owner.Key }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
                    if (count >= CheckoutLines.MaxLines) throw new MallConflictException($"A cart holds at most {CheckoutLines.MaxLines} lines.") { Code = "cart.full" };
                    return await connection.ExecuteAsync(new CommandDefinition(
                        "INSERT INTO mall_cart_line (owner, sku_id, quantity, selected, created_at, updated_at) VALUES (@Key, @skuId, @quantity, TRUE, @now, @now)",
                        new { owner.Key, skuId, quantity, now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
                }, cancellationToken).ConfigureAwait(false);
                return await GetAsync(owner, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (attempt == 0 && Dialect.IsUniqueViolation(ex))
            {
                // The same line was added concurrently; the second attempt adds to it.
            }
        }
    }

    /// <inheritdoc />
    public async Task<Cart> ChangeAsync(CartOwner owner, long skuId, CartLineChange change, CancellationToken cancellationToken = default)
    {
        var errors = new ValidationErrors();
        if (change.Quantity is { } q) errors.Range("quantity", q, 1, CheckoutLines.MaxQuantity);
        if (change.Quantity is null && change.Selected is null) errors.Add("quantity", "Give a quantity, a selection, or both.");
        errors.ThrowIfAny();
        var sets = new List<string> { "updated_at = @now" };
        if (change.Quantity is not null) sets.Add("quantity = @Quantity");
        if (change.Selected is { } selected) sets.Add(selected ? "selected = TRUE" : "selected = FALSE");
        await database.InTransactionAsync(async tx =>
        {
            var changed = await tx.Connection!.ExecuteAsync(new CommandDefinition(
                $"UPDATE mall_cart_line SET {string.Join(", ", sets)} WHERE owner = @Key AND sku_id = @skuId",
                new { owner.Key, skuId, change.Quantity, now = clock.GetUtcNow().UtcDateTime }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (changed == 0) throw new MallNotFoundException($"SKU {skuId} is not in the cart.");
            return changed;
        }, cancellationToken).ConfigureAwait(false);
        return await GetAsync(owner, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<Cart> RemoveAsync(CartOwner owner, long skuId, CancellationToken cancellationToken = default)
    {
        await database.InTransactionAsync(async tx =>
        {
            var removed = await tx.Connection!.ExecuteAsync(new CommandDefinition(
                "DELETE FROM mall_cart_line WHERE owner = @Key AND sku_id = @skuId", new { owner.Key, skuId }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (removed == 0) throw new MallNotFoundException($"SKU {skuId} is not in the cart.");
            return removed;
        }, cancellationToken).ConfigureAwait(false);
        return await GetAsync(owner, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<Cart> MergeAsync(CartOwner session, long customerId, CancellationToken cancellationToken = default)
    {
        var target = CartOwner.Customer(customerId);
        await database.InTransactionAsync(async tx =>
        {
            var connection = tx.Connection!;
            var now = clock.GetUtcNow().UtcDateTime;
            var incoming = await connection.QueryAsync<(long SkuId, int Quantity)>(new CommandDefinition(
                $"SELECT sku_id, quantity FROM mall_cart_line WHERE owner = @Key ORDER BY id{Dialect.ForUpdate}", new { session.Key }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            foreach (var (skuId, quantity) in incoming)
            {
                var existing = (await connection.QueryAsync<int>(new CommandDefinition(
                    $"SELECT quantity FROM mall_cart_line WHERE owner = @Key AND sku_id = @skuId{Dialect.ForUpdate}", new { target.Key, skuId }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
                if (existing.Count > 0)
                {
                    await connection.ExecuteAsync(new CommandDefinition(
                        "UPDATE mall_cart_line SET quantity = @total, updated_at = @now WHERE owner = @Key AND sku_id = @skuId",
                        new { target.Key, skuId, total = Math.Min(CheckoutLines.MaxQuantity, existing[0] + quantity), now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
                }
                else
                {
                    await connection.ExecuteAsync(new CommandDefinition(
                        "UPDATE mall_cart_line SET owner = @to, updated_at = @now WHERE owner = @from AND sku_id = @skuId",
                        new { to = target.Key, from = session.Key, skuId, now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
                }
            }
            return await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM mall_cart_line WHERE owner = @Key", new { session.Key }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return await GetAsync(target, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<PlaceOrderLine>> SelectedLinesAsync(DbTransaction transaction, CartOwner owner, CancellationToken cancellationToken = default) =>
        (await transaction.Connection!.QueryAsync<(long SkuId, int Quantity)>(new CommandDefinition(
            "SELECT sku_id, quantity FROM mall_cart_line WHERE owner = @Key AND selected = TRUE ORDER BY id", new { owner.Key }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false))
        .Select(l => new PlaceOrderLine(l.SkuId, l.Quantity)).ToList();

    /// <inheritdoc />
    public Task RemoveLinesAsync(DbTransaction transaction, CartOwner owner, IReadOnlyList<long> skuIds, CancellationToken cancellationToken = default) =>
        transaction.Connection!.ExecuteAsync(new CommandDefinition(
            $"DELETE FROM mall_cart_line WHERE owner = @Key AND {Dialect.InList("sku_id", "@skuIds")}", new { owner.Key, skuIds = skuIds.ToList() }, transaction, cancellationToken: cancellationToken));

    private async Task EnsureOnSaleAsync(DbTransaction tx, long skuId, CancellationToken cancellationToken)
    {
        var skus = await products.GetSkusAsync([skuId], tx, cancellationToken).ConfigureAwait(false);
        if (!skus.TryGetValue(skuId, out var sku) || !sku.OnSale) throw new MallValidationException("skuId", $"SKU {skuId} does not exist or is not on sale.");
    }

    private sealed class Row
    {
        public long SkuId { get; set; }
        public int Quantity { get; set; }
        public bool Selected { get; set; }

        public CartLine ToLine(CatalogSku sku, long available) => new()
        {
            SkuId = SkuId, ProductId = sku.ProductId, ProductName = sku.ProductName, SkuCode = sku.Code, SpecValues = sku.SpecValues, ImageUrl = sku.ImageUrl,
            UnitPrice = sku.Price, Quantity = Quantity, Selected = Selected, Available = available, OnSale = sku.OnSale,
        };
    }
}
