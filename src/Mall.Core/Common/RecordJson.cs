using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mall.Common;

/// <summary>
/// How Mall writes JSON that others read later (outbox event data, audit before/after values): camelCase names, enums
/// as camelCase strings, nulls left out — the same as the HTTP API answers.
/// </summary>
internal static class RecordJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
