using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Mall.Common;

namespace Mall.Web.Hosting;

/// <summary>
/// Reads free-form JSON (<see cref="JsonNode"/>, <see cref="JsonObject"/>, <see cref="JsonArray"/>,
/// <see cref="JsonElement"/>) in request bodies strictly: a duplicate property name or invalid UTF-8 anywhere in it is a
/// <see cref="JsonException"/>, so the request is a 400 problem naming it, never a 500 when the value is used later.
/// Writes them as the framework does.
/// </summary>
internal sealed class StrictJsonConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert == typeof(JsonElement) || typeToConvert == typeof(JsonNode) || typeToConvert == typeof(JsonObject) || typeToConvert == typeof(JsonArray);

    public override JsonConverter? CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        typeToConvert == typeof(JsonElement) ? new ElementConverter()
        : typeToConvert == typeof(JsonObject) ? new NodeConverter<JsonObject>()
        : typeToConvert == typeof(JsonArray) ? new NodeConverter<JsonArray>()
        : new NodeConverter<JsonNode>();

    private static JsonElement ReadValidated(ref Utf8JsonReader reader)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        StrictJson.Validate(document.RootElement);
        return document.RootElement.Clone();
    }

    private sealed class ElementConverter : JsonConverter<JsonElement>
    {
        public override JsonElement Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => ReadValidated(ref reader);

        public override void Write(Utf8JsonWriter writer, JsonElement value, JsonSerializerOptions options) => value.WriteTo(writer);
    }

    private sealed class NodeConverter<T> : JsonConverter<T> where T : JsonNode
    {
        public override T? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var element = ReadValidated(ref reader);
            var node = StrictJson.ToNode(element);
            return node as T ?? (node is null ? null : throw new JsonException($"Expected a JSON {(typeof(T) == typeof(JsonObject) ? "object" : "array")}, not {element.ValueKind.ToString().ToLowerInvariant()}."));
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => value.WriteTo(writer, options);
    }
}
