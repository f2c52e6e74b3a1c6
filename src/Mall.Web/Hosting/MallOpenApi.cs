using Mall.Web.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Mall.Web.Hosting;

/// <summary>
/// Describes Mall's authentication in the OpenAPI document: the bearer token and the admin key as security
/// schemes, and on each operation which of them it accepts and the 401/403 answers that follow.
/// </summary>
internal static class MallOpenApi
{
    public const string DocumentName = "v1";
    private const string Bearer = "Bearer";
    private const string AdminKey = "AdminKey";

    public static void Configure(OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Mall API",
                Version = "v1",
                Description = "Storefront API (/api/v1) for mini-program, H5 and app clients, and admin API (/api/admin). Errors are RFC 9457 problem details.",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[Bearer] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http, Scheme = "bearer",
                Description = "Token from POST /api/v1/auth/login (shoppers) or POST /api/admin/auth/login (admins).",
            };
            document.Components.SecuritySchemes[AdminKey] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = MallAdminAuthentication.HeaderName,
                Description = "Automation key configured as Mall:Admin:ApiKey.",
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            // Mall's operations answer bad input, missing things and conflicts with problem details.
            var path = "/" + (context.Description.RelativePath ?? "");
            if (!path.StartsWith(MallRoutes.ApiPrefix, StringComparison.Ordinal)) return Task.CompletedTask;
            operation.Responses ??= new OpenApiResponses();
            operation.Responses.TryAdd("400", new OpenApiResponse { Description = "Invalid input: problem details (application/problem+json) with an 'errors' entry per field." });
            if (path.Contains('{')) operation.Responses.TryAdd("404", new OpenApiResponse { Description = "Not found (also for another shopper's things): problem details." });
            if (context.Description.HttpMethod is "POST" or "PUT" or "PATCH" or "DELETE")
                operation.Responses.TryAdd("409", new OpenApiResponse { Description = "Conflicts with the current state (duplicate, insufficient stock, illegal transition): problem details with a 'code'." });
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<IAllowAnonymous>().Any()) return Task.CompletedTask;
            var policies = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).ToHashSet();
            string[] schemes = policies.Contains(MallAdminAuthentication.Policy) ? [Bearer, AdminKey]
                : policies.Contains(MallClaims.ShopperPolicy) ? [Bearer]
                : [];
            if (schemes.Length == 0) return Task.CompletedTask;
            operation.Security ??= [];
            foreach (var scheme in schemes)
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, context.Document)] = [] });
            operation.Responses ??= new OpenApiResponses();
            operation.Responses.TryAdd("401", new OpenApiResponse { Description = "Not logged in, or the token or key is not valid." });
            if (policies.Contains(MallAdminAuthentication.Policy))
                operation.Responses.TryAdd("403", new OpenApiResponse { Description = "Logged in, but not as an admin." });
            return Task.CompletedTask;
        });
    }
}
