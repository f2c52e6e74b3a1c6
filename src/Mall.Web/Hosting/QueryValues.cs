using Mall.Common;

namespace Mall.Web.Hosting;

/// <summary>Reads enum values from query strings and bodies the way clients write them (camelCase, any case).</summary>
internal static class QueryValues
{
    /// <summary>
    /// Parses <paramref name="value"/> case-insensitively (<c>priceAsc</c>, <c>PriceAsc</c>), rejecting numbers and
    /// unknown names with a validation error that lists the allowed ones; null or blank gives <paramref name="fallback"/>.
    /// </summary>
    public static T ParseEnum<T>(string field, string? value, T fallback) where T : struct, Enum
    {
        if (string.IsNullOrWhiteSpace(value)) return fallback;
        if (!char.IsDigit(value[0]) && value[0] != '-' && Enum.TryParse<T>(value, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed)) return parsed;
        throw new MallValidationException(field, $"'{value}' is not one of: {string.Join(", ", Enum.GetNames<T>().Select(n => char.ToLowerInvariant(n[0]) + n[1..]))}.");
    }

    /// <summary>Like <see cref="ParseEnum{T}(string, string?, T)"/>, null when absent.</summary>
    public static T? ParseOptionalEnum<T>(string field, string? value) where T : struct, Enum =>
        string.IsNullOrWhiteSpace(value) ? null : ParseEnum(field, value, default(T));
}
