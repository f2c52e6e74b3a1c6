using System.Text.Json.Serialization;
using Mall.Inventory;

namespace Mall.Catalog;

/// <summary>Whether shoppers can see a product.</summary>
public enum ProductStatus
{
    /// <summary>Being prepared; hidden from the storefront.</summary>
    Draft = 0,
    /// <summary>On sale (上架).</summary>
    Published = 1,
}

/// <summary>A spec dimension of a product, e.g. colour with its values.</summary>
/// <param name="Name">Dimension name, e.g. <c>颜色</c> / <c>Colour</c>.</param>
/// <param name="Values">Allowed values in display order.</param>
public sealed record SpecDimension(string Name, IReadOnlyList<string> Values);

/// <summary>A product (SPU): what a shopper browses. What is sold and stocked is one of its <see cref="Skus"/>.</summary>
public sealed record Product
{
    /// <summary>Identifier.</summary>
    public long Id { get; init; }
    /// <summary>Display name.</summary>
    public required string Name { get; init; }
    /// <summary>Optional one-line selling point.</summary>
    public string? Subtitle { get; init; }
    /// <summary>Optional description (HTML allowed; themes decide how to show it).</summary>
    public string? Description { get; init; }
    /// <summary>Category.</summary>
    public long CategoryId { get; init; }
    /// <summary>Optional brand.</summary>
    public long? BrandId { get; init; }
    /// <summary>Spec dimensions (empty for a product with a single SKU).</summary>
    public IReadOnlyList<SpecDimension> Specs { get; init; } = [];
    /// <summary>Image URLs; the first is the main image.</summary>
    public IReadOnlyList<string> Images { get; init; } = [];
    /// <summary>Draft or published.</summary>
    public ProductStatus Status { get; init; }
    /// <summary>Lowest SKU price.</summary>
    public decimal MinPrice { get; init; }
    /// <summary>Highest SKU price.</summary>
    public decimal MaxPrice { get; init; }
    /// <summary>Soft-deleted products are hidden everywhere but kept for order history.</summary>
    public bool IsDeleted { get; init; }
    /// <summary>Created (UTC).</summary>
    public DateTime CreatedAt { get; init; }
    /// <summary>Last changed (UTC).</summary>
    public DateTime UpdatedAt { get; init; }
    /// <summary>The SKUs (one per spec combination), in input order.</summary>
    public IReadOnlyList<Sku> Skus { get; init; } = [];
}

/// <summary>A stock-keeping unit: one spec combination of a product with its own price and stock.</summary>
public sealed record Sku
{
    /// <summary>Identifier.</summary>
    public long Id { get; init; }
    /// <summary>The product.</summary>
    public long ProductId { get; init; }
    /// <summary>Merchant's SKU code, unique in the mall.</summary>
    public required string Code { get; init; }
    /// <summary>One value per product spec dimension, in dimension order.</summary>
    public IReadOnlyList<string> SpecValues { get; init; } = [];
    /// <summary>Selling price.</summary>
    public decimal Price { get; init; }
    /// <summary>Optional price for members.</summary>
    public decimal? MemberPrice { get; init; }
    /// <summary>Optional list price shown struck through (划线价).</summary>
    public decimal? MarketPrice { get; init; }
    /// <summary>Optional barcode (EAN/UPC…).</summary>
    public string? Barcode { get; init; }
    /// <summary>Shipping weight in grams.</summary>
    public int WeightGrams { get; init; }
    /// <summary>Optional image of this SKU.</summary>
    public string? ImageUrl { get; init; }
    /// <summary>Current stock of the SKU.</summary>
    public StockLevel Stock { get; init; } = new();
}

/// <summary>A product row of a list or search result.</summary>
public sealed record ProductSummary
{
    /// <summary>Identifier.</summary>
    public long Id { get; init; }
    /// <summary>Display name.</summary>
    public required string Name { get; init; }
    /// <summary>Subtitle.</summary>
    public string? Subtitle { get; init; }
    /// <summary>Category.</summary>
    public long CategoryId { get; init; }
    /// <summary>Brand.</summary>
    public long? BrandId { get; init; }
    /// <summary>Main image URL.</summary>
    public string? ImageUrl { get; init; }
    /// <summary>Lowest SKU price.</summary>
    public decimal MinPrice { get; init; }
    /// <summary>Highest SKU price.</summary>
    public decimal MaxPrice { get; init; }
    /// <summary>Draft or published.</summary>
    public ProductStatus Status { get; init; }
    /// <summary>Soft-deleted.</summary>
    public bool IsDeleted { get; init; }
    /// <summary>Created (UTC).</summary>
    public DateTime CreatedAt { get; init; }
}

/// <summary>Input to create or replace a product with its SKUs.</summary>
public sealed record ProductInput
{
    /// <summary>Display name (1–200 characters).</summary>
    [JsonRequired]
    public string? Name { get; init; }
    /// <summary>Subtitle (at most 500 characters).</summary>
    public string? Subtitle { get; init; }
    /// <summary>Description (at most 50,000 characters).</summary>
    public string? Description { get; init; }
    /// <summary>An existing category.</summary>
    [JsonRequired]
    public long CategoryId { get; init; }
    /// <summary>An existing brand, or null.</summary>
    public long? BrandId { get; init; }
    /// <summary>Spec dimensions (at most 5, each with 1–50 distinct values).</summary>
    public IReadOnlyList<SpecDimension>? Specs { get; init; }
    /// <summary>Image URLs (at most 20).</summary>
    public IReadOnlyList<string>? Images { get; init; }
    /// <summary>SKUs (1–500); each spec combination at most once.</summary>
    public IReadOnlyList<SkuInput>? Skus { get; init; }
}

/// <summary>Input for one SKU of a <see cref="ProductInput"/>. On update, SKUs are matched by <see cref="Code"/>.</summary>
public sealed record SkuInput
{
    /// <summary>Unique SKU code (1–64 characters).</summary>
    public string? Code { get; init; }
    /// <summary>One value per product dimension, in dimension order.</summary>
    public IReadOnlyList<string>? SpecValues { get; init; }
    /// <summary>Selling price (0–99,999,999.99, two decimals).</summary>
    public decimal Price { get; init; }
    /// <summary>Member price.</summary>
    public decimal? MemberPrice { get; init; }
    /// <summary>List price.</summary>
    public decimal? MarketPrice { get; init; }
    /// <summary>Barcode (at most 64 characters).</summary>
    public string? Barcode { get; init; }
    /// <summary>Weight in grams (0–1,000,000).</summary>
    public int WeightGrams { get; init; }
    /// <summary>SKU image URL.</summary>
    public string? ImageUrl { get; init; }
    /// <summary>Initial stock for a new SKU (0–100,000,000). Ignored for an existing SKU: change stock through inventory adjustments.</summary>
    public int Stock { get; init; }
    /// <summary>Low-stock threshold: when available stock drops below it, a <see cref="StockLowEvent"/> is raised.</summary>
    public int LowStockThreshold { get; init; }
}

/// <summary>Sort orders of product lists.</summary>
public enum ProductSort
{
    /// <summary>Newest first.</summary>
    Newest = 0,
    /// <summary>Cheapest first (by lowest SKU price).</summary>
    PriceAsc = 1,
    /// <summary>Most expensive first (by highest SKU price).</summary>
    PriceDesc = 2,
    /// <summary>By name.</summary>
    Name = 3,
}

/// <summary>Search and paging of products.</summary>
public sealed record ProductQuery
{
    /// <summary>Words to find in the name (case-insensitive).</summary>
    public string? Keyword { get; init; }
    /// <summary>Restrict to this category and its descendants.</summary>
    public long? CategoryId { get; init; }
    /// <summary>Restrict to a brand.</summary>
    public long? BrandId { get; init; }
    /// <summary>Lowest price (a product matches when any SKU price is in range).</summary>
    public decimal? MinPrice { get; init; }
    /// <summary>Highest price.</summary>
    public decimal? MaxPrice { get; init; }
    /// <summary>Restrict to a status (the storefront always sees published products only).</summary>
    public ProductStatus? Status { get; init; }
    /// <summary>Include soft-deleted products (admin only).</summary>
    public bool IncludeDeleted { get; init; }
    /// <summary>Sort order.</summary>
    public ProductSort Sort { get; init; }
    /// <summary>1-based page.</summary>
    public int Page { get; init; } = 1;
    /// <summary>Page size (1–100).</summary>
    public int PageSize { get; init; } = 20;
}
