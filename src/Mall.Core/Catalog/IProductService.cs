namespace Mall.Catalog;

/// <summary>Manages products (SPU) and their SKUs.</summary>
public interface IProductService
{
    /// <summary>Searches products.</summary>
    Task<Common.PagedResult<ProductSummary>> SearchAsync(ProductQuery query, CancellationToken cancellationToken = default);

    /// <summary>One product with its SKUs and stock; null when missing (or, with <paramref name="storefront"/>, not published or deleted).</summary>
    Task<Product?> FindAsync(long id, bool storefront, CancellationToken cancellationToken = default);

    /// <summary>Creates a product (as a draft) with its SKUs and their initial stock.</summary>
    Task<Product> CreateAsync(ProductInput input, CancellationToken cancellationToken = default);

    /// <summary>Replaces a product's fields and SKU set. SKUs are matched by code; missing ones are soft-deleted; stock is not changed.</summary>
    Task<Product> UpdateAsync(long id, ProductInput input, CancellationToken cancellationToken = default);

    /// <summary>Publishes (上架) or unpublishes (下架) a product.</summary>
    Task<Product> SetStatusAsync(long id, ProductStatus status, CancellationToken cancellationToken = default);

    /// <summary>Soft-deletes a product (hidden everywhere, kept for order history).</summary>
    Task DeleteAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Restores a soft-deleted product as a draft.</summary>
    Task<Product> RestoreAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>
    /// The SKUs of <paramref name="skuIds"/> that exist (deleted ones too, flagged; at most 1,000 ids per call), with
    /// their product and current prices: for features that sell or refer to SKUs (carts, checkout, plugins'
    /// activities) without reading the catalog's tables. Read in <paramref name="transaction"/> when given.
    /// </summary>
    Task<IReadOnlyDictionary<long, CatalogSku>> GetSkusAsync(IReadOnlyCollection<long> skuIds, System.Data.Common.DbTransaction? transaction = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// The SKUs whose codes are in <paramref name="codes"/> (codes are unique across the catalog; at most 1,000 per
    /// call), by code: for integrations that name SKUs by code (an ERP, a WMS). Deleted SKUs are included, flagged.
    /// </summary>
    Task<IReadOnlyDictionary<string, CatalogSku>> GetSkusByCodeAsync(IReadOnlyCollection<string> codes, CancellationToken cancellationToken = default);

    /// <summary>
    /// Changes the price (and, where given, the member price) of many SKUs at once, in one transaction: all or
    /// nothing. The products' price ranges follow, each changed product raises <c>product.changed</c>, and cached
    /// reads are invalidated after commit. SKUs whose prices already are the asked ones are left alone.
    /// </summary>
    /// <returns>How many SKUs changed.</returns>
    /// <exception cref="Common.MallValidationException">A price is not a valid amount, a SKU is listed twice or does not exist (deleted ones included); nothing changes.</exception>
    Task<int> SetSkuPricesAsync(IReadOnlyList<SkuPriceChange> changes, CancellationToken cancellationToken = default);

    /// <summary>
    /// Previews or applies a bulk edit of price, member price and stock for many SKUs (1 to 1,000). Applied, it is
    /// one transaction: every change is written or none. Stock is a target for available units, applied as one
    /// ledger adjustment per SKU with <see cref="SkuBulkEdit.Reason"/>; prices follow
    /// <see cref="SetSkuPricesAsync"/>. The preview reads the same rows and writes nothing.
    /// </summary>
    /// <exception cref="Common.MallValidationException">An item is invalid or names a missing SKU (errors keyed <c>items[i].price</c>, …); nothing changes.</exception>
    Task<SkuBulkEditResult> BulkEditSkusAsync(SkuBulkEdit edit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets the freight template of a product (null: the default rules), in <paramref name="transaction"/>; the
    /// shipping feature checks the template. How many products use a template: <see cref="CountUsingFreightTemplateAsync"/>.
    /// </summary>
    /// <exception cref="Common.MallNotFoundException">No such product.</exception>
    Task SetFreightTemplateAsync(System.Data.Common.DbTransaction transaction, long productId, long? templateId, CancellationToken cancellationToken = default);

    /// <summary>How many products (deleted ones included) use the freight template, in <paramref name="transaction"/>.</summary>
    Task<long> CountUsingFreightTemplateAsync(System.Data.Common.DbTransaction transaction, long templateId, CancellationToken cancellationToken = default);
}

/// <summary>A SKU as other features see it (<see cref="IProductService.GetSkusAsync"/>).</summary>
public sealed record CatalogSku
{
    /// <summary>The SKU.</summary>
    public required long Id { get; init; }

    /// <summary>Its product.</summary>
    public required long ProductId { get; init; }

    /// <summary>The product's category.</summary>
    public long CategoryId { get; init; }

    /// <summary>The product's brand, if any.</summary>
    public long? BrandId { get; init; }

    /// <summary>The product's name.</summary>
    public required string ProductName { get; init; }

    /// <summary>The SKU's code.</summary>
    public required string Code { get; init; }

    /// <summary>Its values of the product's spec dimensions.</summary>
    public IReadOnlyList<string> SpecValues { get; init; } = [];

    /// <summary>Its price now.</summary>
    public decimal Price { get; init; }

    /// <summary>Its member price now, if any.</summary>
    public decimal? MemberPrice { get; init; }

    /// <summary>The SKU's image, else the product's first.</summary>
    public string? ImageUrl { get; init; }

    /// <summary>Shipping weight of one unit.</summary>
    public int WeightGrams { get; init; }

    /// <summary>The product's freight template, if any.</summary>
    public long? FreightTemplateId { get; init; }

    /// <summary>The SKU was deleted (orders and carts keep referring to it).</summary>
    public bool IsDeleted { get; init; }

    /// <summary>The product was deleted.</summary>
    public bool ProductDeleted { get; init; }

    /// <summary>The product's status.</summary>
    public ProductStatus ProductStatus { get; init; }

    /// <summary>Can be bought now: neither it nor its product deleted, the product published.</summary>
    public bool OnSale => !IsDeleted && !ProductDeleted && ProductStatus == ProductStatus.Published;
}

/// <summary>A new price for a SKU (<see cref="IProductService.SetSkuPricesAsync"/>).</summary>
/// <param name="SkuId">The SKU.</param>
/// <param name="Price">Its new price.</param>
/// <param name="MemberPrice">Its new member price; null leaves the member price as it is.</param>
public sealed record SkuPriceChange(long SkuId, decimal Price, decimal? MemberPrice = null);

/// <summary>A bulk edit of SKUs (<see cref="IProductService.BulkEditSkusAsync"/>).</summary>
/// <param name="Items">The SKUs and what changes; a null field is left as it is.</param>
/// <param name="Apply">False: preview only, nothing is written.</param>
/// <param name="Reason">Why, kept on the stock ledger (default <c>bulk edit</c>).</param>
public sealed record SkuBulkEdit(IReadOnlyList<SkuBulkEditItem> Items, bool Apply, string? Reason = null);

/// <summary>One SKU of a <see cref="SkuBulkEdit"/>.</summary>
/// <param name="SkuId">The SKU.</param>
/// <param name="Price">New price, or null.</param>
/// <param name="MemberPrice">New member price, or null.</param>
/// <param name="Stock">New available stock, or null.</param>
public sealed record SkuBulkEditItem(long SkuId, decimal? Price = null, decimal? MemberPrice = null, long? Stock = null);

/// <summary>What a bulk edit changes (or changed).</summary>
/// <param name="Applied">True when written.</param>
/// <param name="Changed">SKUs whose price, member price or stock differs.</param>
/// <param name="Rows">Each SKU before and after, in the order asked.</param>
public sealed record SkuBulkEditResult(bool Applied, int Changed, IReadOnlyList<SkuBulkEditRow> Rows);

/// <summary>One SKU before and after a bulk edit.</summary>
/// <param name="SkuId">The SKU.</param>
/// <param name="ProductId">Its product.</param>
/// <param name="ProductName">The product's name.</param>
/// <param name="Code">The SKU code.</param>
/// <param name="PriceBefore">Price before.</param>
/// <param name="PriceAfter">Price after.</param>
/// <param name="MemberPriceBefore">Member price before.</param>
/// <param name="MemberPriceAfter">Member price after.</param>
/// <param name="StockBefore">Available stock before.</param>
/// <param name="StockAfter">Available stock after.</param>
public sealed record SkuBulkEditRow(long SkuId, long ProductId, string ProductName, string Code, decimal PriceBefore, decimal PriceAfter,
    decimal? MemberPriceBefore, decimal? MemberPriceAfter, long StockBefore, long StockAfter);
