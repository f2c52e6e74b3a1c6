using System.Text.Json.Nodes;
using Mall.Common;
using Mall.Themes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Mall.Web.Themes;

/// <summary>Themes (<c>/api/admin/themes</c>): list, check, install, activate, settings, page sections, remove.</summary>
internal static class ThemeAdminEndpoints
{
    /// <summary>Largest theme package upload.</summary>
    private const int MaxUploadBytes = 20 * 1024 * 1024;

    public static void MapThemeAdmin(this RouteGroupBuilder group)
    {
        var themes = group.MapGroup("/themes").WithTags("Admin: themes");
        themes.MapGet("/", (ThemeService s, CancellationToken ct) => s.ListAsync(ct)).WithSummary("Installed themes, the active one, their settings and page sections.");
        themes.MapPost("/check", async (HttpRequest request, ThemeService s) =>
            {
                var package = await ReadAsync(request);
                return Check(() => s.Check(package));
            })
            .WithSummary("Checks a .malltheme package without installing it: errors with file and line, and where it writes raw HTML.");
        themes.MapPost("/", async (HttpRequest request, ThemeService s, CancellationToken ct) =>
        {
            var package = await ReadAsync(request);
            try
            {
                var installed = await s.InstallAsync(package, ct);
                return Results.Created($"{MallRoutes.Admin}/themes/{installed.Name}", installed);
            }
            catch (ThemeException ex)
            {
                return Problem(ex);
            }
        }).WithSummary("Installs a .malltheme package (zip body), or a new version of an installed theme; it is not activated.");
        themes.MapPost("/{name}/activate", async (string name, ThemeService s, CancellationToken ct) =>
        {
            try
            {
                await s.ActivateAsync(name, ct);
            }
            catch (ThemeException ex)
            {
                return Problem(ex);
            }
            return Results.NoContent();
        }).WithSummary("Makes a theme serve the storefront (no restart; requests see the old or the new theme, never a mix).");
        themes.MapPut("/{name}/settings", (string name, JsonObject? values, ThemeService s, CancellationToken ct) => s.SaveSettingsAsync(name, values, ct))
            .WithSummary("Saves settings (ids of the theme's settings schema, each of its type).");
        themes.MapPut("/{name}/pages/{page}", (string name, string page, JsonNode? sections, ThemeService s, CancellationToken ct) => s.SavePageAsync(name, page, sections, ct))
            .WithSummary("Saves the sections composing a page: [{\"type\":\"hero\",\"settings\":{…}}, …] in order.");
        themes.MapDelete("/{name}", async (string name, ThemeService s, CancellationToken ct) =>
        {
            await s.RemoveAsync(name, ct);
            return Results.NoContent();
        });
    }

    private static IResult Check(Func<ThemeCheckResult> check)
    {
        try
        {
            return Results.Ok(check());
        }
        catch (ThemeException ex)
        {
            return Problem(ex);
        }
    }

    /// <summary>A broken theme: 400 naming the file and line.</summary>
    private static IResult Problem(ThemeException ex) => Results.Problem(
        statusCode: 400, title: "The theme is not valid", detail: ex.Message, type: "https://mall.dev/problems/theme-invalid",
        extensions: new Dictionary<string, object?> { ["code"] = "theme.invalid", ["file"] = ex.File, ["line"] = ex.Line, ["problem"] = ex.Problem });

    private static async Task<byte[]> ReadAsync(HttpRequest request)
    {
        if (request.ContentLength > MaxUploadBytes) throw new MallValidationException("body", $"A theme package is at most {MaxUploadBytes / 1024 / 1024} MB.");
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        if (buffer.Length == 0) throw new MallValidationException("body", "Send the .malltheme package (a zip) as the request body.");
        if (buffer.Length > MaxUploadBytes) throw new MallValidationException("body", $"A theme package is at most {MaxUploadBytes / 1024 / 1024} MB.");
        return buffer.ToArray();
    }
}
