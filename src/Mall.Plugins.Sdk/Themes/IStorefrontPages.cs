using Microsoft.AspNetCore.Http;

namespace Mall.Web.Themes;

/// <summary>
/// Renders a plugin's own storefront page inside the active theme: the theme's layout, helpers, settings, texts and
/// assets, with the plugin's template as the page body. Inject it into a plugin endpoint's handler.
/// </summary>
public interface IStorefrontPages
{
    /// <summary>
    /// Renders <paramref name="template"/> (Scriban, escaped by default like a theme's templates) with
    /// <paramref name="model"/> as the page body, as the response.
    /// </summary>
    /// <param name="http">The request.</param>
    /// <param name="page">The page's name (e.g. <c>bargain</c>; the layout sees it as <c>page</c>).</param>
    /// <param name="template">The page body's template.</param>
    /// <param name="model">The page's own view model (serialised to plain data; templates see no .NET object).</param>
    /// <param name="title">The page title.</param>
    Task<IResult> RenderPluginPageAsync(HttpContext http, string page, string template, object model, string? title);
}
