using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Mall.Web.Hosting;

/// <summary>
/// Puts Mall's error handling in front of Mall's own routes (<c>/api</c>) without touching the rest of the
/// host's pipeline: exceptions and empty 4xx/5xx responses become problem details.
/// </summary>
internal sealed class MallStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.UseWhen(context => context.Request.Path.StartsWithSegments(MallRoutes.ApiPrefix), api =>
        {
            api.UseExceptionHandler();
            api.UseStatusCodePages();
        });
        // Swagger UI (NSwag's, its scripts served from the package, nothing from outside the host) over the OpenAPI 3.1
        // document that MapMall serves (Microsoft.AspNetCore.OpenApi's: it keeps summaries and problem responses).
        app.UseSwaggerUi(o =>
        {
            o.Path = "/swagger";
            o.DocumentPath = $"/openapi/{MallOpenApi.DocumentName}.json";
            o.DocumentTitle = "Mall API";
        });
        next(app);
    };
}
