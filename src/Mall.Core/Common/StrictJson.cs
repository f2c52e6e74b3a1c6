using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;

namespace Mall.Common;

/// <summary>
/// Free-form JSON as Mall reads it from outside (request bodies bound to JSON nodes, manifests and locale files in
/// uploaded packages): text that is not UTF-8 and objects that name a property twice are errors, reported as a
/// <see cref="JsonException"/> that says which, never accepted and never left to fail later (a duplicate name makes
/// <see cref="JsonObject"/> throw when enumerated; invalid UTF-8 fails when a name or string is first read).
/// </summary>
public static class StrictJson
{
    /// <summary>Parses <paramref name="utf8"/> into a node (null for the JSON literal null).</summary>
    /// <param name="utf8">The JSON text.</param>
    /// <param name="relaxed">Allow comments and trailing commas (manifests people write by hand).</param>
    /// <exception cref="JsonException">Malformed JSON, invalid UTF-8 or a duplicate property name.</exception>
    public static JsonNode? Parse(ReadOnlySpan<byte> utf8, bool relaxed = false)
    {
        if (!Utf8.IsValid(utf8)) throw new JsonException("The JSON text is not valid UTF-8.");
        var options = new JsonDocumentOptions
        {
            CommentHandling = relaxed ? JsonCommentHandling.Skip : JsonCommentHandling.Disallow,
            AllowTrailingCommas = relaxed,
        };
        // Checked as request bodies are, so that both say the same (which property, where).
        using var document = JsonDocument.Parse(utf8.ToArray(), options);
        Validate(document.RootElement);
        return ToNode(document.RootElement.Clone());
    }

    /// <summary>A validated element as a node (null for the JSON literal null).</summary>
    public static JsonNode? ToNode(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => JsonObject.Create(element),
        JsonValueKind.Array => JsonArray.Create(element),
        JsonValueKind.Null => null,
        _ => JsonValue.Create(element),
    };

    /// <summary>
    /// Checks an element read by someone else (a request body): every property name and string is valid UTF-8 and no
    /// object names a property twice, at any depth.
    /// </summary>
    /// <exception cref="JsonException">Names the first problem and where it is.</exception>
    public static void Validate(JsonElement element) => Validate(element, "$");

    private static void Validate(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                HashSet<string>? names = null;
                foreach (var property in element.EnumerateObject())
                {
                    if (!Utf8.IsValid(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8PropertyName(property)))
                        throw new JsonException($"A property name in {path} is not valid UTF-8.");
                    names ??= new HashSet<string>(StringComparer.Ordinal);
                    if (!names.Add(property.Name)) throw new JsonException($"The property '{property.Name}' appears twice in {path}.");
                    Validate(property.Value, $"{path}.{property.Name}");
                }
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray()) Validate(item, $"{path}[{index++}]");
                break;
            case JsonValueKind.String:
                if (!Utf8.IsValid(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(element)))
                    throw new JsonException($"The string at {path} is not valid UTF-8.");
                break;
        }
    }
}
