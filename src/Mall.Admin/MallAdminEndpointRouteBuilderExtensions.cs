using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Serves Mall's merchant console (<c>app.MapMallAdmin()</c>).</summary>
public static class MallAdminEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Serves the merchant console under <paramref name="path"/> (default <c>/admin</c>): its hashed assets with a
    /// year's caching, and <c>index.html</c> for every other path below it (the console routes in the browser). The
    /// console calls the admin API of the same host (<c>MapMall()</c>), so map both.
    /// </summary>
    /// <param name="endpoints">The application.</param>
    /// <param name="path">Where the console lives: a path starting with <c>/</c>, e.g. <c>/admin</c> or <c>/console</c>.</param>
    public static IEndpointConventionBuilder MapMallAdmin(this IEndpointRouteBuilder endpoints, string path = "/admin")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        path = "/" + path.Trim('/');
        if (path == "/") throw new ArgumentException("The console needs a path of its own, e.g. /admin: the storefront owns /.", nameof(path));

        var assets = Mall.Admin.ConsoleAssets.Load();
        var group = endpoints.MapGroup(path).ExcludeFromDescription();
        group.MapGet("/assets/{**file}", (string file, HttpContext http) =>
        {
            if (!assets.TryGet("assets/" + file, out var asset)) return Results.NotFound();
            // File names carry a hash of their content: they never change, so browsers keep them.
            http.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
            return Results.Bytes(asset.Content, asset.ContentType);
        });
        // Routing matches "/admin" and "/admin/" alike: the console lives at the one with the slash.
        group.MapGet("/", (HttpContext http, IOptions<Mall.MallOptions> options) => http.Request.Path.Value?.EndsWith('/') == true
            ? IndexPage(http, assets, path, options.Value)
            : Results.Redirect(http.Request.PathBase + path + "/" + http.Request.QueryString, permanent: false));
        group.MapGet("/{**route}", (string route, HttpContext http, IOptions<Mall.MallOptions> options) =>
            assets.TryGet(route, out var file) && route != Mall.Admin.ConsoleAssets.Index
                ? Results.Bytes(file.Content, file.ContentType)
                // A path with an extension that is not a file is a missing file, not a console route.
                : Path.HasExtension(route) ? Results.NotFound() : IndexPage(http, assets, path, options.Value));
        return group;
    }

    private static IResult IndexPage(HttpContext http, Mall.Admin.ConsoleAssets assets, string path, Mall.MallOptions options)
    {
        http.Response.Headers.CacheControl = "no-cache";
        var settings = JsonSerializer.Serialize(new { basePath = path, apiBase = "", currency = options.Currency },
            new JsonSerializerOptions { Encoder = JavaScriptEncoder.Default });
        return Results.Content(assets.IndexHtml(path + "/", settings), "text/html; charset=utf-8");
    }
}
