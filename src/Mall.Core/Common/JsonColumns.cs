using System.Text.Json;

namespace Mall.Common;

/// <summary>Reads and writes the JSON columns (spec dimensions, spec values, image lists) the same way everywhere.</summary>
internal static class JsonColumns
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    /// <summary>A JSON array column as a list; empty for NULL or empty text.</summary>
    public static IReadOnlyList<T> List<T>(string? json) =>
        string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize<List<T>>(json, Options) ?? [];

    /// <summary>The first string of a JSON array column (a product's main image), or null.</summary>
    public static string? First(string? json) => List<string>(json) is [var first, ..] ? first : null;

    /// <summary>A value as JSON text for a JSON column.</summary>
    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);
}
