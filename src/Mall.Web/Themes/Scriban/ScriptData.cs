using System.Collections;
using System.Globalization;
using Scriban.Runtime;

namespace Mall.Web.Themes.Scriban;

/// <summary>
/// Turns a flat view model (dictionaries, lists, strings, numbers, booleans, dates) into read-only Scriban script
/// data. Templates never see a live .NET object: no member chain reaches a type, an assembly or the caller's objects,
/// and a write into the model fails instead of changing anything outside the render.
/// </summary>
internal static class ScriptData
{
    /// <summary>The model as a frozen script object.</summary>
    public static ScriptObject Object(IEnumerable<KeyValuePair<string, object?>> values)
    {
        var result = new ScriptObject();
        foreach (var (key, value) in values) result.SetValue(key, Value(value), readOnly: true);
        result.IsReadOnly = true;
        return result;
    }

    /// <summary>One value as script data.</summary>
    public static object? Value(object? value) => value switch
    {
        null => null,
        string or bool or int or long or decimal or double or float or short or byte or uint or ulong => value,
        // Prepared pieces (a section's HTML) pass through; everything script-side is already frozen.
        ScriptObject or ScriptArray or RawHtml => value,
        DateTime d => d,
        DateTimeOffset o => o.UtcDateTime,
        Enum e => e.ToString(),
        IEnumerable<KeyValuePair<string, object?>> map => Object(map),
        IDictionary map => Object(map.Keys.Cast<object>().Select(k => new KeyValuePair<string, object?>(Convert.ToString(k, CultureInfo.InvariantCulture) ?? "", map[k]))),
        IEnumerable list => Array(list),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private static ScriptArray Array(IEnumerable list)
    {
        var result = new ScriptArray();
        foreach (var item in list) result.Add(Value(item));
        result.IsReadOnly = true;
        return result;
    }
}

/// <summary>HTML a template writes as it is: the output of <c>raw</c>, of a partial, of a zone or of a raw helper.</summary>
/// <param name="Html">The HTML.</param>
internal sealed record RawHtml(string Html)
{
    public override string ToString() => Html;
}
