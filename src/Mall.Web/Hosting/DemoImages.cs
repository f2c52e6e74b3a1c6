using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Mall.Web.Hosting;

/// <summary>Serves generated placeholder images for the demo catalog, so a demo mall needs no files or network.</summary>
internal static class DemoImages
{
    public static void MapDemoImages(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/demo-images/{name}.svg", (string name) =>
        {
            var hash = SHA256.HashData(Encoding.UTF8.GetBytes(name));
            var hue = (hash[0] * 360 / 256).ToString(CultureInfo.InvariantCulture);
            var label = System.Net.WebUtility.HtmlEncode(name.Length > 12 ? name[..12] : name);
            var svg = $"""<svg xmlns="http://www.w3.org/2000/svg" width="600" height="600"><rect width="600" height="600" fill="hsl({hue},55%,70%)"/><text x="300" y="320" font-size="48" text-anchor="middle" font-family="sans-serif" fill="#fff">{label}</text></svg>""";
            return Results.Text(svg, "image/svg+xml");
        });
}
