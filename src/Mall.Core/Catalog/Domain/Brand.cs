using System.Text.Json.Serialization;

namespace Mall.Catalog;

/// <summary>A brand products may belong to.</summary>
public sealed record Brand
{
    /// <summary>Identifier.</summary>
    public long Id { get; init; }
    /// <summary>Unique display name.</summary>
    public required string Name { get; init; }
    /// <summary>Optional logo URL.</summary>
    public string? LogoUrl { get; init; }
    /// <summary>Optional description.</summary>
    public string? Description { get; init; }
    /// <summary>Display order.</summary>
    public int SortOrder { get; init; }
    /// <summary>Created (UTC).</summary>
    public DateTime CreatedAt { get; init; }
    /// <summary>Last changed (UTC).</summary>
    public DateTime UpdatedAt { get; init; }
}

/// <summary>Input to create or change a brand.</summary>
public sealed record BrandInput
{
    /// <summary>Unique display name (1–100 characters).</summary>
    [JsonRequired]
    public string? Name { get; init; }
    /// <summary>Optional logo URL.</summary>
    public string? LogoUrl { get; init; }
    /// <summary>Optional description (at most 2000 characters).</summary>
    public string? Description { get; init; }
    /// <summary>Display order.</summary>
    public int SortOrder { get; init; }
}
