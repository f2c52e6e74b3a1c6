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
    /// The SKUs of <paramref name="skuIds"/> that exist and are not deleted (at most 1,000 ids per call), with their
    /// product and current prices: for features that refer to SKUs (plugins' activities, imports) without reading the
    /// catalog's tables.
    /// </summary>
    Task<IReadOnlyDictionary<long, SkuReference>> GetSkusAsync(IReadOnlyCollection<long> skuIds, CancellationToken cancellationToken = default);
}

/// <summary>A SKU as other features refer to it (<see cref="IProductService.GetSkusAsync"/>).</summary>
/// <param name="Id">The SKU.</param>
/// <param name="ProductId">Its product.</param>
/// <param name="Code">Its code.</param>
/// <param name="Price">Its price now.</param>
/// <param name="MemberPrice">Its member price now, if any.</param>
public sealed record SkuReference(long Id, long ProductId, string Code, decimal Price, decimal? MemberPrice);
