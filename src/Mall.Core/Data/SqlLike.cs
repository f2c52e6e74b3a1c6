namespace Mall.Data;

/// <summary>LIKE patterns for <see cref="ISqlDialect.ContainsIgnoreCase"/>, whose escape character is <c>!</c>.</summary>
internal static class SqlLike
{
    /// <summary>The text with <c>%</c>, <c>_</c> and <c>!</c> escaped, to match literally.</summary>
    public static string Escape(string value) =>
        value.Replace("!", "!!", StringComparison.Ordinal).Replace("%", "!%", StringComparison.Ordinal).Replace("_", "!_", StringComparison.Ordinal);
}
