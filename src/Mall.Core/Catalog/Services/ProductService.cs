using System.Data.Common;
using System.Text;
using Dapper;
using Mall.Common;
using Mall.Data;
using Mall.Inventory;
using Mall.Inventory.Services;

namespace Mall.Catalog.Services;

/// <summary>Default <see cref="IProductService"/> over the Mall database.</summary>
internal sealed class ProductService(IMallDatabase database, ICategoryService categories, Mall.Inventory.IInventoryService inventory, CatalogCache cache, Mall.Outbox.IOutbox outbox, Mall.Auditing.IAuditContext audit, Mall.Events.IDomainEventDispatcher events, TimeProvider clock) : IProductService
{
    private const string SummaryColumns =
        "p.id AS Id, p.name AS Name, p.subtitle AS Subtitle, p.category_id AS CategoryId, p.brand_id AS BrandId, p.images AS Images, " +
        "p.status AS Status, p.min_price AS MinPrice, p.max_price AS MaxPrice, p.is_deleted AS IsDeleted, p.created_at AS CreatedAt";

    private ISqlDialect Dialect => database.Dialect;

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<long, CatalogSku>> GetSkusAsync(IReadOnlyCollection<long> skuIds, DbTransaction? transaction = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(skuIds);
        if (skuIds.Count > 1000) throw new ArgumentOutOfRangeException(nameof(skuIds), skuIds.Count, "At most 1,000 SKUs per call.");
        if (skuIds.Count == 0) return new Dictionary<long, CatalogSku>();
        var ids = skuIds.Distinct().ToList();
        var rows = await database.ReadAsync(transaction?.Connection, transaction, (connection, tx) => connection.QueryAsync<CatalogSkuRow>(new CommandDefinition(
            "SELECT s.id AS Id, s.product_id AS ProductId, s.code AS Code, s.spec_values AS SpecValues, s.price AS Price, s.member_price AS MemberPrice, s.image_url AS SkuImage, " +
            "s.weight_grams AS WeightGrams, s.is_deleted AS SkuDeleted, p.name AS ProductName, p.category_id AS CategoryId, p.brand_id AS BrandId, p.images AS ProductImages, " +
            $"p.status AS ProductStatus, p.is_deleted AS ProductDeleted, p.freight_template_id AS FreightTemplateId FROM mall_sku s JOIN mall_product p ON p.id = s.product_id WHERE {Dialect.InList("s.id", "@ids")}",
            new { ids }, tx, cancellationToken: cancellationToken)), cancellationToken).ConfigureAwait(false);
        return rows.ToDictionary(r => r.Id, r => r.ToReference());
    }

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<string, CatalogSku>> GetSkusByCodeAsync(IReadOnlyCollection<string> codes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(codes);
        if (codes.Count > 1000) throw new ArgumentOutOfRangeException(nameof(codes), codes.Count, "At most 1,000 SKU codes per call.");
        if (codes.Count == 0) return new Dictionary<string, CatalogSku>(StringComparer.Ordinal);
        var list = codes.Distinct(StringComparer.Ordinal).ToList();
        var ids = await database.ReadAsync(null, null, (connection, tx) => connection.QueryAsync<long>(new CommandDefinition(
            $"SELECT id FROM mall_sku WHERE {Dialect.InList("code", "@list")}", new { list }, tx, cancellationToken: cancellationToken)), cancellationToken).ConfigureAwait(false);
        var skus = await GetSkusAsync(ids.ToList(), null, cancellationToken).ConfigureAwait(false);
        return skus.Values.ToDictionary(s => s.Code, StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public async Task<int> SetSkuPricesAsync(IReadOnlyList<SkuPriceChange> changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var errors = new ValidationErrors();
        if (changes.Count is 0 or > 1000) errors.Add("changes", "lists 1 to 1,000 SKUs.");
        var seen = new HashSet<long>();
        for (var i = 0; i < changes.Count; i++)
        {
            var change = changes[i];
            if (change is null) { errors.Add($"changes[{i}]", "is required."); continue; }
            if (!seen.Add(change.SkuId)) errors.Add($"changes[{i}].skuId", $"SKU {change.SkuId} is listed twice.");
            errors.Money($"changes[{i}].price", change.Price);
            if (change.MemberPrice is { } member) errors.Money($"changes[{i}].memberPrice", member);
        }
        errors.ThrowIfAny();
        var result = await database.InTransactionAsync(async tx =>
        {
            var current = await LockSkusAsync(tx, changes.Select(c => c.SkuId).ToList(), cancellationToken).ConfigureAwait(false);
            var missing = new ValidationErrors();
            for (var i = 0; i < changes.Count; i++)
                if (!current.ContainsKey(changes[i].SkuId)) missing.Add($"changes[{i}].skuId", $"SKU {changes[i].SkuId} does not exist.");
            missing.ThrowIfAny();
            return await SetPricesInAsync(tx, current, changes.Select(c => (c.SkuId, Money.ToCents(c.Price), c.MemberPrice is { } m ? Money.ToCents(m) : current[c.SkuId].MemberPrice)), cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        foreach (var productId in result.Products) await cache.InvalidateProductAsync(productId, cancellationToken).ConfigureAwait(false);
        return result.Changed;
    }

    /// <inheritdoc />
    public async Task<SkuBulkEditResult> BulkEditSkusAsync(SkuBulkEdit edit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(edit);
        var items = edit.Items ?? [];
        var errors = new ValidationErrors();
        if (items.Count is 0 or > 1000) errors.Add("items", "lists 1 to 1,000 SKUs.");
        errors.MaxLength("reason", edit.Reason, 500);
        var seen = new HashSet<long>();
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            if (item is null) { errors.Add($"items[{i}]", "is required."); continue; }
            if (!seen.Add(item.SkuId)) errors.Add($"items[{i}].skuId", $"SKU {item.SkuId} is listed twice.");
            if (item.Price is { } price) errors.Money($"items[{i}].price", price);
            if (item.MemberPrice is { } member) errors.Money($"items[{i}].memberPrice", member);
            if (item.Stock is { } stock) errors.Range($"items[{i}].stock", stock, 0, 1_000_000_000);
            if (item.Price is null && item.MemberPrice is null && item.Stock is null) errors.Add($"items[{i}]", "changes nothing: give a price, a member price or a stock.");
        }
        errors.ThrowIfAny();
        var reason = string.IsNullOrWhiteSpace(edit.Reason) ? "bulk edit" : edit.Reason.Trim();
        // One reference for the whole edit: each SKU's adjustment is applied once even if the transaction is retried.
        var reference = "bulk:" + Guid.NewGuid().ToString("N");
        var outcome = await database.InTransactionAsync(async tx =>
        {
            var ids = items.Select(i => i.SkuId).ToList();
            var current = await LockSkusAsync(tx, ids, cancellationToken).ConfigureAwait(false);
            var missing = new ValidationErrors();
            for (var i = 0; i < items.Count; i++)
                if (!current.TryGetValue(items[i].SkuId, out var sku) || sku.IsDeleted) missing.Add($"items[{i}].skuId", $"SKU {items[i].SkuId} does not exist.");
            missing.ThrowIfAny();
            var levels = await inventory.GetLevelsAsync(ids, tx, cancellationToken).ConfigureAwait(false);
            var names = (await tx.Connection!.QueryAsync<(long Id, string Name)>(new CommandDefinition(
                $"SELECT id, name FROM mall_product WHERE {Dialect.InList("id", "@productIds")}", new { productIds = current.Values.Select(s => s.ProductId).Distinct().ToList() }, tx,
                cancellationToken: cancellationToken)).ConfigureAwait(false)).ToDictionary(p => p.Id, p => p.Name);
            var rows = new List<SkuBulkEditRow>(items.Count);
            var changed = 0;
            foreach (var item in items)
            {
                var sku = current[item.SkuId];
                var stockBefore = levels.TryGetValue(sku.Id, out var level) ? level.Available : 0;
                var price = item.Price is { } p ? Money.ToCents(p) : sku.Price;
                var member = item.MemberPrice is { } m ? Money.ToCents(m) : sku.MemberPrice;
                var stock = item.Stock ?? stockBefore;
                if (price != sku.Price || member != sku.MemberPrice || stock != stockBefore) changed++;
                rows.Add(new SkuBulkEditRow(sku.Id, sku.ProductId, names.GetValueOrDefault(sku.ProductId, ""), sku.Code,
                    Money.FromCents(sku.Price), Money.FromCents(price), sku.MemberPrice is { } mb ? Money.FromCents(mb) : null, member is { } ma ? Money.FromCents(ma) : null, stockBefore, stock));
            }
            if (!edit.Apply) return (Rows: rows, Changed: changed, Products: (IReadOnlyList<long>)[], Low: (IReadOnlyList<StockLevel>)[]);
            var prices = await SetPricesInAsync(tx, current, rows.Select(r => (r.SkuId, Money.ToCents(r.PriceAfter), r.MemberPriceAfter is { } ma ? Money.ToCents(ma) : (long?)null)), cancellationToken).ConfigureAwait(false);
            var low = new List<StockLevel>();
            foreach (var row in rows)
            {
                if (row.StockAfter == row.StockBefore) continue;
                if (!levels.ContainsKey(row.SkuId)) throw new MallNotFoundException($"SKU {row.SkuId} has no stock record.");
                var adjusted = await inventory.AdjustAsync(tx, new StockAdjustment(row.SkuId, row.StockAfter - row.StockBefore, reason, reference), cancellationToken).ConfigureAwait(false);
                low.AddRange(adjusted.LowStockCrossed);
            }
            return (Rows: rows, Changed: changed, prices.Products, Low: (IReadOnlyList<StockLevel>)low);
        }, cancellationToken).ConfigureAwait(false);
        foreach (var productId in outcome.Products) await cache.InvalidateProductAsync(productId, cancellationToken).ConfigureAwait(false);
        foreach (var level in outcome.Low)
            await events.DispatchAsync(new StockLowEvent(level.SkuId, level.Available, level.LowStockThreshold, clock.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        return new SkuBulkEditResult(edit.Apply, outcome.Changed, outcome.Rows);
    }

    private async Task<Dictionary<long, LockedSku>> LockSkusAsync(DbTransaction tx, List<long> ids, CancellationToken cancellationToken) =>
        (await tx.Connection!.QueryAsync<LockedSku>(new CommandDefinition(
            $"SELECT id AS Id, product_id AS ProductId, code AS Code, price AS Price, member_price AS MemberPrice, is_deleted AS IsDeleted FROM mall_sku WHERE {Dialect.InList("id", "@ids")}{Dialect.ForUpdate}",
            new { ids }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToDictionary(s => s.Id);

    // Prices in cents; the caller invalidates the returned products' cached reads after commit.
    private async Task<(IReadOnlyList<long> Products, int Changed)> SetPricesInAsync(DbTransaction tx, Dictionary<long, LockedSku> current,
        IEnumerable<(long SkuId, long Price, long? MemberPrice)> changes, CancellationToken cancellationToken)
    {
        var connection = tx.Connection!;
        var now = clock.GetUtcNow().UtcDateTime;
        var touched = new SortedSet<long>();
        var changed = 0;
        foreach (var (skuId, price, member) in changes)
        {
            var sku = current[skuId];
            if (price == sku.Price && member == sku.MemberPrice) continue;
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE mall_sku SET price = @price, member_price = @member, updated_at = @now WHERE id = @id", new { price, member, now, id = sku.Id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (audit.Current is { } entry)
            {
                entry.Change($"skus[{sku.Code}].price", Money.FromCents(sku.Price), Money.FromCents(price));
                entry.Change($"skus[{sku.Code}].memberPrice", sku.MemberPrice is { } old ? Money.FromCents(old) : null, member is { } nm ? Money.FromCents(nm) : null);
            }
            touched.Add(sku.ProductId);
            changed++;
        }
        foreach (var productId in touched)
        {
            // The product's price range over its live SKUs, as a full update computes it.
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE mall_product SET min_price = COALESCE((SELECT MIN(s.price) FROM mall_sku s WHERE s.product_id = @productId AND s.is_deleted = FALSE), min_price), " +
                "max_price = COALESCE((SELECT MAX(s.price) FROM mall_sku s WHERE s.product_id = @productId AND s.is_deleted = FALSE), max_price), updated_at = @now WHERE id = @productId",
                new { productId, now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await ProductChangedAsync(tx, productId, ProductChange.Updated, cancellationToken).ConfigureAwait(false);
        }
        if (audit.Current is { } scope && touched.Count == 1) scope.SetEntity("product", touched.Min.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return (touched.ToList(), changed);
    }

    private sealed class LockedSku
    {
        public long Id { get; set; }
        public long ProductId { get; set; }
        public string Code { get; set; } = "";
        public long Price { get; set; }
        public long? MemberPrice { get; set; }
        public bool IsDeleted { get; set; }
    }

    /// <inheritdoc />
    public async Task SetFreightTemplateAsync(DbTransaction transaction, long productId, long? templateId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var changed = await transaction.Connection!.ExecuteAsync(new CommandDefinition(
            "UPDATE mall_product SET freight_template_id = @templateId, updated_at = @now WHERE id = @productId",
            new { templateId, productId, now = clock.GetUtcNow().UtcDateTime }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (changed == 0) throw new MallNotFoundException($"Product {productId} does not exist.");
    }

    /// <inheritdoc />
    public Task<long> CountUsingFreightTemplateAsync(DbTransaction transaction, long templateId, CancellationToken cancellationToken = default) =>
        transaction.Connection!.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM mall_product WHERE freight_template_id = @templateId", new { templateId }, transaction, cancellationToken: cancellationToken));

    private sealed class CatalogSkuRow
    {
        public long Id { get; set; }
        public long ProductId { get; set; }
        public string Code { get; set; } = "";
        public string? SpecValues { get; set; }
        public long Price { get; set; }
        public long? MemberPrice { get; set; }
        public string? SkuImage { get; set; }
        public int WeightGrams { get; set; }
        public bool SkuDeleted { get; set; }
        public string ProductName { get; set; } = "";
        public long CategoryId { get; set; }
        public long? BrandId { get; set; }
        public string? ProductImages { get; set; }
        public short ProductStatus { get; set; }
        public bool ProductDeleted { get; set; }
        public long? FreightTemplateId { get; set; }

        public CatalogSku ToReference() => new()
        {
            Id = Id, ProductId = ProductId, CategoryId = CategoryId, BrandId = BrandId, ProductName = ProductName, Code = Code,
            SpecValues = JsonColumns.List<string>(SpecValues), Price = Money.FromCents(Price), MemberPrice = MemberPrice is { } member ? Money.FromCents(member) : null,
            ImageUrl = SkuImage ?? JsonColumns.First(ProductImages), WeightGrams = WeightGrams, FreightTemplateId = FreightTemplateId,
            IsDeleted = SkuDeleted, ProductDeleted = ProductDeleted, ProductStatus = (Catalog.ProductStatus)ProductStatus,
        };
    }

    /// <inheritdoc />
    public Task<PagedResult<ProductSummary>> SearchAsync(ProductQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        // The storefront's searches (published, not deleted) are cached; the admin's are not.
        if (!cache.Enabled || query.Status != ProductStatus.Published || query.IncludeDeleted) return SearchUncachedAsync(query, cancellationToken);
        var key = string.Join('|', "search", query.Keyword, query.CategoryId, query.BrandId, query.MinPrice, query.MaxPrice, query.Sort, query.Page, query.PageSize);
        return cache.GetListAsync(key, ct => SearchUncachedAsync(query, ct), cancellationToken).AsTask();
    }

    private async Task<PagedResult<ProductSummary>> SearchUncachedAsync(ProductQuery query, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        Paging.Validate(errors, query.Page, query.PageSize);
        errors.MaxLength("keyword", query.Keyword, 100);
        if (query.MinPrice is { } min) errors.Money("minPrice", min);
        if (query.MaxPrice is { } max) errors.Money("maxPrice", max);
        if (query.MinPrice > query.MaxPrice) errors.Add("maxPrice", "must not be below minPrice.");
        if (!Enum.IsDefined(query.Sort)) errors.Add("sort", $"must be one of {string.Join(", ", Enum.GetNames<ProductSort>())}.");
        if (query.Status is { } s && !Enum.IsDefined(s)) errors.Add("status", $"must be one of {string.Join(", ", Enum.GetNames<ProductStatus>())}.");
        errors.ThrowIfAny();

        var where = new StringBuilder(query.IncludeDeleted ? "1 = 1" : "p.is_deleted = FALSE");
        var parameters = new DynamicParameters();
        if (query.Status is { } status) { where.Append(" AND p.status = @status"); parameters.Add("status", (short)status); }
        if (query.CategoryId is { } categoryId)
        {
            var ids = await categories.GetSubtreeIdsAsync(categoryId, cancellationToken).ConfigureAwait(false);
            where.Append(" AND ").Append(Dialect.InList("p.category_id", "@categoryIds"));
            parameters.Add("categoryIds", ids);
        }
        if (query.BrandId is { } brandId) { where.Append(" AND p.brand_id = @brandId"); parameters.Add("brandId", brandId); }
        if (query.MinPrice is { } minPrice) parameters.Add("minPrice", Money.ToCents(minPrice));
        if (query.MaxPrice is { } maxPrice) parameters.Add("maxPrice", Money.ToCents(maxPrice));
        // A product matches when one of its SKUs is priced in range. With one bound that is the product's own
        // min/max price; with both, a SKU must lie between them (5 and 20 do not match 10–15).
        where.Append((query.MinPrice, query.MaxPrice) switch
        {
            (not null, not null) => " AND EXISTS (SELECT 1 FROM mall_sku s WHERE s.product_id = p.id AND s.is_deleted = FALSE AND s.price >= @minPrice AND s.price <= @maxPrice)",
            (not null, null) => " AND p.max_price >= @minPrice",
            (null, not null) => " AND p.min_price <= @maxPrice",
            _ => "",
        });
        if (!string.IsNullOrWhiteSpace(query.Keyword))
        {
            // Every word must occur in the name; words are matched literally (LIKE wildcards escaped).
            var words = query.Keyword.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(5).ToArray();
            for (var i = 0; i < words.Length; i++)
            {
                where.Append(" AND ").Append(Dialect.ContainsIgnoreCase("p.name", $"@kw{i}"));
                parameters.Add($"kw{i}", "%" + SqlLike.Escape(words[i]) + "%");
            }
        }
        var orderBy = query.Sort switch
        {
            ProductSort.PriceAsc => "p.min_price ASC, p.id DESC",
            ProductSort.PriceDesc => "p.max_price DESC, p.id DESC",
            ProductSort.Name => "p.name ASC, p.id ASC",
            _ => "p.created_at DESC, p.id DESC",
        };
        parameters.Add("skip", (query.Page - 1) * query.PageSize);
        parameters.Add("take", query.PageSize);

        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var grid = await connection.QueryMultipleAsync(new CommandDefinition(
            $"SELECT {SummaryColumns} FROM mall_product p WHERE {where} ORDER BY {orderBy} {Dialect.Page("@skip", "@take")};" +
            $"SELECT COUNT(*) FROM mall_product p WHERE {where}",
            parameters, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var rows = await grid.ReadAsync<ProductSummaryRow>().ConfigureAwait(false);
        var total = await grid.ReadSingleAsync<long>().ConfigureAwait(false);
        return new PagedResult<ProductSummary>(rows.Select(r => r.ToSummary()).ToList(), query.Page, query.PageSize, total);
    }

    /// <inheritdoc />
    public async Task<Product?> FindAsync(long id, bool storefront, CancellationToken cancellationToken = default)
    {
        if (!storefront || !cache.Enabled)
        {
            await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            return await LoadAsync(connection, null, id, storefront, withStock: true, cancellationToken).ConfigureAwait(false);
        }
        // The storefront's read: the product from the cache, its stock figures from a short-lived one (stock moves
        // with every order; checkout never reads it from here).
        return await cache.GetStorefrontViewAsync(id, async ct =>
        {
            await using var connection = await database.OpenConnectionAsync(ct).ConfigureAwait(false);
            return await LoadAsync(connection, null, id, storefront: true, withStock: false, ct).ConfigureAwait(false);
        }, async (product, ct) => WithStock(product, await inventory.GetLevelsAsync(product.Skus.Select(s => s.Id).ToList(), null, ct).ConfigureAwait(false)),
        cancellationToken).ConfigureAwait(false);
    }

    private static Product WithStock(Product product, IReadOnlyDictionary<long, StockLevel> stock)
    {
        var skus = new Sku[product.Skus.Count];
        for (var i = 0; i < skus.Length; i++)
        {
            var sku = product.Skus[i];
            skus[i] = sku with { Stock = stock.TryGetValue(sku.Id, out var level) ? level : new StockLevel { SkuId = sku.Id } };
        }
        return product with { Skus = skus };
    }

    /// <summary>
    /// Loads a product with its live SKUs in one round trip, then their stock from the inventory (its service, a second
    /// query: the catalog reads no other feature's table). This is the storefront's hottest read, so it reads by
    /// ordinal with a plain data reader rather than through Dapper's per-call column mapping.
    /// </summary>
    private async Task<Product?> LoadAsync(DbConnection connection, DbTransaction? tx, long id, bool storefront, bool withStock, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = storefront ? StorefrontDetailSql : AdminDetailSql;
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@id";
        parameter.Value = id;
        command.Parameters.Add(parameter);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return null;
        var product = new Product
        {
            Id = reader.GetInt64(0),
            Name = reader.GetString(1),
            Subtitle = NullableString(reader, 2),
            Description = NullableString(reader, 3),
            CategoryId = reader.GetInt64(4),
            BrandId = reader.IsDBNull(5) ? null : reader.GetInt64(5),
            Specs = JsonColumns.List<SpecDimension>(NullableString(reader, 6)),
            Images = JsonColumns.List<string>(NullableString(reader, 7)),
            Status = (ProductStatus)reader.GetInt16(8),
            MinPrice = Money.FromCents(reader.GetInt64(9)),
            MaxPrice = Money.FromCents(reader.GetInt64(10)),
            IsDeleted = reader.GetBoolean(11),
            CreatedAt = Utc.Of(reader.GetDateTime(12)),
            UpdatedAt = Utc.Of(reader.GetDateTime(13)),
        };
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var skus = new List<Sku>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var skuId = reader.GetInt64(0);
            skus.Add(new Sku
            {
                Id = skuId,
                ProductId = reader.GetInt64(1),
                Code = reader.GetString(2),
                SpecValues = JsonColumns.List<string>(NullableString(reader, 3)),
                Price = Money.FromCents(reader.GetInt64(4)),
                MemberPrice = reader.IsDBNull(5) ? null : Money.FromCents(reader.GetInt64(5)),
                MarketPrice = reader.IsDBNull(6) ? null : Money.FromCents(reader.GetInt64(6)),
                Barcode = NullableString(reader, 7),
                WeightGrams = reader.GetInt32(8),
                ImageUrl = NullableString(reader, 9),
            });
        }
        await reader.DisposeAsync().ConfigureAwait(false);
        product = product with { Skus = skus };
        if (skus.Count == 0 || !withStock) return product;
        return WithStock(product, await inventory.GetLevelsAsync(skus.Select(s => s.Id).ToList(), tx, cancellationToken).ConfigureAwait(false));
    }

    private const string DetailProductSql =
        "SELECT p.id, p.name, p.subtitle, p.description, p.category_id, p.brand_id, p.specs, p.images, p.status, p.min_price, p.max_price, p.is_deleted, " +
        "p.created_at, p.updated_at FROM mall_product p WHERE p.id = @id";

    private const string DetailSkusSql =
        ";SELECT s.id, s.product_id, s.code, s.spec_values, s.price, s.member_price, s.market_price, s.barcode, s.weight_grams, s.image_url " +
        "FROM mall_sku s WHERE s.product_id = @id AND s.is_deleted = FALSE ORDER BY s.sort_order, s.id";

    private const string AdminDetailSql = DetailProductSql + DetailSkusSql;

    private static readonly string StorefrontDetailSql =
        $"{DetailProductSql} AND p.is_deleted = FALSE AND p.status = {(int)ProductStatus.Published}{DetailSkusSql}";

    private static string? NullableString(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <inheritdoc />
    public async Task<Product> CreateAsync(ProductInput input, CancellationToken cancellationToken = default)
    {
        ProductValidator.Validate(input);
        var normalized = Normalize(input);
        var id = await WriteAsync(async tx =>
        {
            var connection = tx.Connection!;
            var now = clock.GetUtcNow().UtcDateTime;
            await EnsureReferencesAsync(tx, normalized, cancellationToken).ConfigureAwait(false);
            await EnsureCodesFreeAsync(tx, normalized, productId: null, cancellationToken).ConfigureAwait(false);
            var productId = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                Dialect.InsertReturningId(
                    "INSERT INTO mall_product (name, subtitle, description, category_id, brand_id, specs, images, status, min_price, max_price, is_deleted, created_at, updated_at) " +
                    $"VALUES (@Name, @Subtitle, @Description, @CategoryId, @BrandId, {Dialect.JsonValue("@specs")}, {Dialect.JsonValue("@images")}, @status, @minPrice, @maxPrice, FALSE, @now, @now)", "id"),
                ProductParameters(normalized, now, ProductStatus.Draft), tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            for (var i = 0; i < normalized.Skus!.Count; i++)
                await InsertSkuAsync(tx, productId, normalized.Skus[i], i, now, cancellationToken).ConfigureAwait(false);
            await ProductChangedAsync(tx, productId, ProductChange.Created, cancellationToken).ConfigureAwait(false);
            if (audit.Current is { } entry)
            {
                entry.SetEntity("product", productId.ToString(System.Globalization.CultureInfo.InvariantCulture));
                entry.Change("name", null, normalized.Name);
                foreach (var sku in normalized.Skus) entry.Change($"skus[{sku.Code}].price", null, sku.Price);
            }
            return productId;
        }, cancellationToken).ConfigureAwait(false);
        await cache.InvalidateProductAsync(id, cancellationToken).ConfigureAwait(false);
        return (await FindAsync(id, storefront: false, cancellationToken).ConfigureAwait(false))!;
    }

    /// <inheritdoc />
    public async Task<Product> UpdateAsync(long id, ProductInput input, CancellationToken cancellationToken = default)
    {
        ProductValidator.Validate(input);
        var normalized = Normalize(input);
        await WriteAsync(async tx =>
        {
            var connection = tx.Connection!;
            var now = clock.GetUtcNow().UtcDateTime;
            var status = await connection.QuerySingleOrDefaultAsync<short?>(new CommandDefinition(
                $"SELECT status FROM mall_product WHERE id = @id AND is_deleted = FALSE{Dialect.ForUpdate}", new { id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)
                ?? throw new MallNotFoundException($"Product {id} does not exist.");
            await EnsureReferencesAsync(tx, normalized, cancellationToken).ConfigureAwait(false);
            await EnsureCodesFreeAsync(tx, normalized, id, cancellationToken).ConfigureAwait(false);
            if (audit.Current is { } entry && await LoadAsync(connection, tx, id, storefront: false, withStock: false, cancellationToken).ConfigureAwait(false) is { } before)
                DescribeUpdate(entry, before, normalized);

            var existing = (await connection.QueryAsync<(long Id, string Code)>(new CommandDefinition(
                "SELECT id, code FROM mall_sku WHERE product_id = @id", new { id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false))
                .ToDictionary(s => s.Code, s => s.Id, StringComparer.Ordinal);
            for (var i = 0; i < normalized.Skus!.Count; i++)
            {
                var sku = normalized.Skus[i];
                if (existing.Remove(sku.Code!, out var skuId))
                {
                    await connection.ExecuteAsync(new CommandDefinition(
                        $"UPDATE mall_sku SET spec_values = {Dialect.JsonValue("@specValues")}, price = @price, member_price = @memberPrice, market_price = @marketPrice, barcode = @Barcode, " +
                        "weight_grams = @WeightGrams, image_url = @ImageUrl, sort_order = @sortOrder, is_deleted = FALSE, updated_at = @now WHERE id = @skuId",
                        SkuParameters(sku, i, now, new { skuId }), tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
                }
                else
                {
                    await InsertSkuAsync(tx, id, sku, i, now, cancellationToken).ConfigureAwait(false);
                }
            }
            // SKUs left out are retired, not deleted: orders and the stock ledger still point at them.
            if (existing.Count > 0)
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    $"UPDATE mall_sku SET is_deleted = TRUE, updated_at = @now WHERE {Dialect.InList("id", "@ids")}", new { ids = existing.Values.ToList(), now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            }
            var updated = await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE mall_product SET name = @Name, subtitle = @Subtitle, description = @Description, category_id = @CategoryId, brand_id = @BrandId, " +
                $"specs = {Dialect.JsonValue("@specs")}, images = {Dialect.JsonValue("@images")}, min_price = @minPrice, max_price = @maxPrice, updated_at = @now WHERE id = @id",
                ProductParameters(normalized, now, (ProductStatus)status, new { id }), tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await ProductChangedAsync(tx, id, ProductChange.Updated, cancellationToken).ConfigureAwait(false);
            return updated;
        }, cancellationToken).ConfigureAwait(false);
        await cache.InvalidateProductAsync(id, cancellationToken).ConfigureAwait(false);
        return (await FindAsync(id, storefront: false, cancellationToken).ConfigureAwait(false))!;
    }

    /// <inheritdoc />
    public async Task<Product> SetStatusAsync(long id, ProductStatus status, CancellationToken cancellationToken = default)
    {
        if (!Enum.IsDefined(status)) throw new MallValidationException("status", $"must be one of {string.Join(", ", Enum.GetNames<ProductStatus>())}.");
        await ChangeAsync("UPDATE mall_product SET status = @status, updated_at = @now WHERE id = @id AND is_deleted = FALSE", id, new { status = (short)status },
            status == ProductStatus.Published ? ProductChange.Published : ProductChange.Unpublished, cancellationToken).ConfigureAwait(false);
        return (await FindAsync(id, storefront: false, cancellationToken).ConfigureAwait(false))!;
    }

    /// <inheritdoc />
    public Task DeleteAsync(long id, CancellationToken cancellationToken = default) =>
        ChangeAsync("UPDATE mall_product SET is_deleted = TRUE, deleted_at = @now, status = @draft, updated_at = @now WHERE id = @id AND is_deleted = FALSE",
            id, new { draft = (short)ProductStatus.Draft }, ProductChange.Deleted, cancellationToken);

    /// <inheritdoc />
    public async Task<Product> RestoreAsync(long id, CancellationToken cancellationToken = default)
    {
        await ChangeAsync("UPDATE mall_product SET is_deleted = FALSE, deleted_at = NULL, updated_at = @now WHERE id = @id AND is_deleted = TRUE", id, null, ProductChange.Restored, cancellationToken).ConfigureAwait(false);
        return (await FindAsync(id, storefront: false, cancellationToken).ConfigureAwait(false))!;
    }

    private async Task ChangeAsync(string sql, long id, object? extra, ProductChange change, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters(extra);
        parameters.Add("id", id);
        parameters.Add("now", clock.GetUtcNow().UtcDateTime);
        await database.InTransactionAsync(async tx =>
        {
            if (await tx.Connection!.ExecuteAsync(new CommandDefinition(sql, parameters, tx, cancellationToken: cancellationToken)).ConfigureAwait(false) == 0)
                throw new MallNotFoundException($"Product {id} does not exist or is not in a state for this change.");
            if (audit.Current is { } entry)
            {
                entry.SetEntity("product", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
                entry.Change("change", null, change);
            }
            await ProductChangedAsync(tx, id, change, cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
        await cache.InvalidateProductAsync(id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The fields an update changes, for the audit log: the product's and each SKU's prices (by code).</summary>
    private static void DescribeUpdate(Mall.Auditing.AuditScope entry, Product before, ProductInput after)
    {
        entry.SetEntity("product", before.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        entry.Change("name", before.Name, after.Name);
        entry.Change("subtitle", before.Subtitle, after.Subtitle);
        entry.Change("categoryId", before.CategoryId, after.CategoryId);
        entry.Change("brandId", before.BrandId, after.BrandId);
        var skus = before.Skus.ToDictionary(s => s.Code, StringComparer.Ordinal);
        foreach (var sku in after.Skus!)
        {
            skus.Remove(sku.Code!, out var old);
            entry.Change($"skus[{sku.Code}].price", old?.Price, sku.Price);
            entry.Change($"skus[{sku.Code}].memberPrice", old?.MemberPrice, sku.MemberPrice);
            entry.Change($"skus[{sku.Code}].marketPrice", old?.MarketPrice, sku.MarketPrice);
        }
        foreach (var (code, old) in skus) entry.Change($"skus[{code}]", "retired: " + old.Price, null);
    }

    /// <summary>What happened to a product, in its <c>product.changed</c> event.</summary>
    private enum ProductChange { Created, Updated, Published, Unpublished, Deleted, Restored }

    private sealed record ProductChangedData(long ProductId, ProductChange Change);

    private Task ProductChangedAsync(DbTransaction tx, long productId, ProductChange change, CancellationToken cancellationToken) =>
        outbox.AddAsync(tx, Mall.Outbox.MallEventTypes.ProductChanged, $"product:{productId}", new ProductChangedData(productId, change), cancellationToken);

    private async Task<T> WriteAsync<T>(Func<DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        try
        {
            return await database.InTransactionAsync(work, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Dialect.IsUniqueViolation(ex))
        {
            // Only SKU codes are unique among product writes; a concurrent writer took one between check and insert.
            throw new MallConflictException("A SKU code of this product was taken by another product meanwhile.") { Code = "sku.duplicate_code" };
        }
    }

    private async Task InsertSkuAsync(DbTransaction tx, long productId, SkuInput sku, int index, DateTime now, CancellationToken cancellationToken)
    {
        var skuId = await tx.Connection!.ExecuteScalarAsync<long>(new CommandDefinition(
            Dialect.InsertReturningId(
                "INSERT INTO mall_sku (product_id, code, spec_values, price, member_price, market_price, barcode, weight_grams, image_url, sort_order, is_deleted, created_at, updated_at) " +
                $"VALUES (@productId, @Code, {Dialect.JsonValue("@specValues")}, @price, @memberPrice, @marketPrice, @Barcode, @WeightGrams, @ImageUrl, @sortOrder, FALSE, @now, @now)", "id"),
            SkuParameters(sku, index, now, new { productId }), tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await InventoryService.InitializeAsync(tx, Dialect, skuId, sku.Stock, sku.LowStockThreshold, now, cancellationToken).ConfigureAwait(false);
    }

    private static async Task EnsureReferencesAsync(DbTransaction tx, ProductInput input, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var category = await tx.Connection!.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM mall_category WHERE id = @CategoryId", new { input.CategoryId }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (category == 0) errors.Add("categoryId", $"Category {input.CategoryId} does not exist.");
        if (input.BrandId is { } brandId)
        {
            var brand = await tx.Connection!.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COUNT(*) FROM mall_brand WHERE id = @brandId", new { brandId }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (brand == 0) errors.Add("brandId", $"Brand {brandId} does not exist.");
        }
        errors.ThrowIfAny();
    }

    private async Task EnsureCodesFreeAsync(DbTransaction tx, ProductInput input, long? productId, CancellationToken cancellationToken)
    {
        var codes = input.Skus!.Select(s => s.Code!).ToList();
        var taken = (await tx.Connection!.QueryAsync<string>(new CommandDefinition(
            $"SELECT code FROM mall_sku WHERE {Dialect.InList("code", "@codes")}" + (productId is null ? "" : " AND product_id <> @productId"),
            new { codes, productId }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        if (taken.Count > 0)
            throw new MallConflictException($"SKU code(s) already used by another product: {string.Join(", ", taken)}.") { Code = "sku.duplicate_code" };
    }

    private static ProductInput Normalize(ProductInput input) => input with
    {
        Name = input.Name!.Trim(),
        Subtitle = string.IsNullOrWhiteSpace(input.Subtitle) ? null : input.Subtitle.Trim(),
        Specs = (input.Specs ?? []).Select(d => new SpecDimension(d.Name.Trim(), d.Values.Select(v => v.Trim()).ToList())).ToList(),
        Images = (input.Images ?? []).Select(i => i.Trim()).ToList(),
        Skus = input.Skus!.Select(s => s with
        {
            Code = s.Code!.Trim(),
            SpecValues = (s.SpecValues ?? []).Select(v => v.Trim()).ToList(),
            Barcode = string.IsNullOrWhiteSpace(s.Barcode) ? null : s.Barcode.Trim(),
        }).ToList(),
    };

    private static DynamicParameters ProductParameters(ProductInput input, DateTime now, ProductStatus status, object? extra = null)
    {
        var prices = input.Skus!.Select(s => Money.ToCents(s.Price)).ToList();
        var parameters = new DynamicParameters(extra);
        parameters.AddDynamicParams(new
        {
            input.Name, input.Subtitle, input.Description, input.CategoryId, input.BrandId,
            specs = JsonColumns.Write(input.Specs),
            images = JsonColumns.Write(input.Images),
            status = (short)status,
            minPrice = prices.Min(),
            maxPrice = prices.Max(),
            now,
        });
        return parameters;
    }

    private static DynamicParameters SkuParameters(SkuInput sku, int index, DateTime now, object extra)
    {
        var parameters = new DynamicParameters(extra);
        parameters.AddDynamicParams(new
        {
            sku.Code, sku.Barcode, sku.WeightGrams, sku.ImageUrl,
            specValues = JsonColumns.Write(sku.SpecValues),
            price = Money.ToCents(sku.Price),
            memberPrice = sku.MemberPrice is { } m ? Money.ToCents(m) : (long?)null,
            marketPrice = sku.MarketPrice is { } k ? Money.ToCents(k) : (long?)null,
            sortOrder = index,
            now,
        });
        return parameters;
    }

    private sealed class ProductSummaryRow
    {
        public long Id { get; set; }
        public string Name { get; set; } = "";
        public string? Subtitle { get; set; }
        public long CategoryId { get; set; }
        public long? BrandId { get; set; }
        public string? Images { get; set; }
        public short Status { get; set; }
        public long MinPrice { get; set; }
        public long MaxPrice { get; set; }
        public bool IsDeleted { get; set; }
        public DateTime CreatedAt { get; set; }

        public ProductSummary ToSummary() => new()
        {
            Id = Id, Name = Name, Subtitle = Subtitle, CategoryId = CategoryId, BrandId = BrandId, ImageUrl = JsonColumns.First(Images),
            MinPrice = Money.FromCents(MinPrice), MaxPrice = Money.FromCents(MaxPrice), Status = (ProductStatus)Status, IsDeleted = IsDeleted,
            CreatedAt = Utc.Of(CreatedAt),
        };
    }
}
