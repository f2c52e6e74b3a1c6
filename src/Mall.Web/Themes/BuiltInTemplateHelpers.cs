using System.Globalization;
using System.Net;
using System.Text;
using Mall.Themes;

namespace Mall.Web.Themes;

/// <summary>
/// The fixed helper set every theme can use (documented in docs/themes.md): <c>t</c>, <c>money</c>, <c>asset</c>,
/// <c>url</c>, <c>date</c>, <c>zone</c>, <c>paging</c>. Plugins add helpers by registering <see cref="ITemplateHelper"/>.
/// </summary>
internal static class BuiltInTemplateHelpers
{
    public static IEnumerable<ITemplateHelper> All() =>
    [
        new Helper("t", (c, a) => c.Translate(Text(a, 0))),
        new Helper("money", (c, a) => c.Money(Number(a, 0))),
        new Helper("asset", (c, a) => c.AssetUrl(Text(a, 0))),
        new Helper("url", (_, a) => Url(Text(a, 0), a.Count > 1 ? Text(a, 1) : null)),
        // Dates arrive as DateTime from host models and as ISO-8601 text from plugin models (flattened to JSON values).
        new Helper("date", (_, a) => a.Count > 0 && AsDate(a[0]) is { } d ? d.ToString(a.Count > 1 ? Text(a, 1) : "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : Text(a, 0)),
        new Helper("zone", (c, a) => c.RenderZone(Text(a, 0)), raw: true),
        new Helper("paging", (c, a) => Paging((int)Number(a, 0), (int)Number(a, 1), Text(a, 2), c), raw: true),
    ];

    /// <summary>Storefront URLs by name, so that themes do not hard-code routes.</summary>
    public static string Url(string name, string? id) => name switch
    {
        "home" => "/",
        "product" => $"/products/{Uri.EscapeDataString(id ?? "")}",
        "category" => $"/category/{Uri.EscapeDataString(id ?? "")}",
        "search" => "/search",
        "cart" => "/cart",
        "checkout" => "/checkout",
        "orders" => "/orders",
        "order" => $"/orders/{Uri.EscapeDataString(id ?? "")}",
        "login" => "/login",
        "register" => "/register",
        _ => "/",
    };

    private static string Paging(int page, int totalPages, string baseUrl, RenderContext context)
    {
        if (totalPages <= 1) return "";
        var separator = baseUrl.Contains('?') ? '&' : '?';
        var html = new StringBuilder("<nav class=\"paging\">");
        for (var p = 1; p <= totalPages && p <= 50; p++)
        {
            var url = WebUtility.HtmlEncode($"{baseUrl}{separator}page={p}");
            html.Append(p == page ? $"<span class=\"current\">{p}</span>" : $"<a href=\"{url}\">{p}</a>");
        }
        return html.Append("</nav>").ToString();
    }

    private static DateTime? AsDate(object? value) => value switch
    {
        DateTime d => d,
        DateTimeOffset o => o.UtcDateTime,
        string text when text.Length >= 10 && char.IsAsciiDigit(text[0])
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed) => parsed.UtcDateTime,
        _ => null,
    };

    private static string Text(IReadOnlyList<object?> arguments, int index) =>
        index < arguments.Count ? Convert.ToString(arguments[index], CultureInfo.InvariantCulture) ?? "" : "";

    private static decimal Number(IReadOnlyList<object?> arguments, int index) => index < arguments.Count ? arguments[index] switch
    {
        decimal d => d,
        int i => i,
        long l => l,
        double f => (decimal)f,
        string s when decimal.TryParse(s, NumberStyles.Number, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => 0,
    } : 0;

    private sealed class Helper(string name, Func<RenderContext, IReadOnlyList<object?>, string> run, bool raw = false) : ITemplateHelper
    {
        public string Name => name;

        public string Invoke(RenderContext context, IReadOnlyList<object?> arguments, out bool isRaw)
        {
            isRaw = raw;
            return run(context, arguments);
        }
    }
}
