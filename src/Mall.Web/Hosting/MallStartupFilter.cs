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
        // Swagger UI over the OpenAPI document that MapMall serves.
        app.UseSwaggerUI(o =>
        {
            o.RoutePrefix = "swagger";
            o.SwaggerEndpoint($"/openapi/{MallOpenApi.DocumentName}.json", "Mall API v1");
            o.DocumentTitle = "Mall API";
        });
        next(app);
    };
}
