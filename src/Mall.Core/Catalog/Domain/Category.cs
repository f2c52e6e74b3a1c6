using System.Text.Json.Serialization;

namespace Mall.Catalog;

/// <summary>A node of the category tree.</summary>
public sealed record Category
{
    /// <summary>Identifier.</summary>
    public long Id { get; init; }
    /// <summary>Parent category, or null for a root.</summary>
    public long? ParentId { get; init; }
    /// <summary>Display name.</summary>
    public required string Name { get; init; }
    /// <summary>Optional icon or banner URL.</summary>
    public string? ImageUrl { get; init; }
    /// <summary>Ascending display order among siblings.</summary>
    public int SortOrder { get; init; }
    /// <summary>Shown on the storefront.</summary>
    public bool IsVisible { get; init; } = true;
    /// <summary>Created (UTC).</summary>
    public DateTime CreatedAt { get; init; }
    /// <summary>Last changed (UTC).</summary>
    public DateTime UpdatedAt { get; init; }
}

/// <summary>A category with its children, for tree views.</summary>
/// <param name="Category">The category.</param>
/// <param name="Children">Child nodes in display order.</param>
public sealed record CategoryNode(Category Category, IReadOnlyList<CategoryNode> Children);

/// <summary>Input to create or change a category.</summary>
public sealed record CategoryInput
{
    /// <summary>Parent category, or null for a root.</summary>
    public long? ParentId { get; init; }
    /// <summary>Display name (1–100 characters).</summary>
    [JsonRequired]
    public string? Name { get; init; }
    /// <summary>Optional image URL.</summary>
    public string? ImageUrl { get; init; }
    /// <summary>Display order.</summary>
    public int SortOrder { get; init; }
    /// <summary>Shown on the storefront (default true).</summary>
    public bool IsVisible { get; init; } = true;
}
