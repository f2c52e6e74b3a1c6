namespace Mall.Web.Themes;

/// <summary>
/// UI a plugin adds to every theme at a named widget zone (e.g. <c>product_after_price</c>, <c>home_top</c>) without
/// editing the theme. Register it in the plugin's <c>ConfigureServices</c>; it shows while the plugin is enabled.
/// </summary>
public interface IStorefrontWidget
{
    /// <summary>The zone it renders into.</summary>
    string Zone { get; }

    /// <summary>Its template in Scriban (the themes' language), escaped by default like a theme's.</summary>
    string Template { get; }

    /// <summary>Its own flat view model for this page, or null to render nothing here.</summary>
    Task<object?> ModelAsync(WidgetContext context, CancellationToken cancellationToken);
}

/// <summary>Where a widget is being rendered.</summary>
/// <param name="Page">Page name, e.g. <c>product</c>.</param>
/// <param name="ProductId">The product shown, on product pages.</param>
/// <param name="Culture">The shopper's language.</param>
public sealed record WidgetContext(string Page, long? ProductId, string Culture)
{
    /// <summary>
    /// The SKUs of the product shown (on product pages; empty elsewhere), so that a widget finds its own rows for them
    /// without reading the catalog's tables.
    /// </summary>
    public IReadOnlyList<long> SkuIds { get; init; } = [];
}
