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
    private const string IntegrationKey = "ApiKey";
    private const string ProblemSchema = "ProblemDetails";

    /// <summary><c>GET api/admin/catalog/products/{id}</c> → <c>GetAdminCatalogProductsById</c> (the storefront's <c>api/v1</c> is left out).</summary>
    internal static string OperationId(string method, string relativePath)
    {
        var name = new System.Text.StringBuilder(method.Length + relativePath.Length);
        name.Append(char.ToUpperInvariant(method[0])).Append(method[1..].ToLowerInvariant());
        foreach (var segment in relativePath.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (segment is "api" or "v1") continue;
            var parameter = segment.StartsWith('{');
            var word = parameter ? segment.Trim('{', '}').Split(':')[0] : segment;
            if (parameter) name.Append("By");
            foreach (var part in word.Split('-', '_', '.'))
                if (part.Length > 0) name.Append(char.ToUpperInvariant(part[0])).Append(part[1..]);
        }
        return name.ToString();
    }

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
                Description = "The operator's key configured as Mall:Admin:ApiKey (owner powers; for provisioning).",
            };
            document.Components.SecuritySchemes[IntegrationKey] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = "X-Mall-Api-Key",
                Description = "An integration's API key (POST /api/admin/api-keys), limited to its scopes: catalog:read, orders:fulfil, ….",
            };
            // The problem details every error answer carries (RFC 9457, with Mall's code and per-field errors).
            document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
            document.Components.Schemas[ProblemSchema] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "RFC 9457 problem details.",
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["type"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
                    ["title"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
                    ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer | JsonSchemaType.Null, Format = "int32" },
                    ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
                    ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
                    ["code"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null, Description = "Mall's code for the problem, e.g. stock.insufficient." },
                    ["errors"] = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object | JsonSchemaType.Null, Description = "Messages per invalid field.",
                        AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
                    },
                },
            };
            return Task.CompletedTask;
        });
        // Money is decimal: say so, so that generated clients do not turn prices into floating point.
        options.AddSchemaTransformer((schema, context, _) =>
        {
            if (context.JsonTypeInfo.Type == typeof(decimal) || context.JsonTypeInfo.Type == typeof(decimal?)) schema.Format = "decimal";
            return Task.CompletedTask;
        });
        // Every operation has a stable id (generated clients name their methods after it): the endpoint's name, or its
        // method and path, e.g. GetAdminCatalogProductsById.
        options.AddOperationTransformer((operation, context, _) =>
        {
            operation.OperationId ??= OperationId(context.Description.HttpMethod ?? "GET", context.Description.RelativePath ?? "");
            operation.Summary ??= MallOperationSummaries.For(context.Description.HttpMethod ?? "GET", context.Description.RelativePath ?? "");
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
            string[] schemes = policies.Contains(MallAdminAuthentication.Policy) ? [Bearer, AdminKey, IntegrationKey]
                : policies.Contains(MallClaims.ShopperPolicy) ? [Bearer]
                : [];
            if (schemes.Length == 0) return Task.CompletedTask;
            operation.Security ??= [];
            foreach (var scheme in schemes)
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, context.Document)] = [] });
            operation.Responses ??= new OpenApiResponses();
            operation.Responses.TryAdd("401", new OpenApiResponse { Description = "Not logged in, or the token or key is not valid." });
            if (policies.Contains(MallAdminAuthentication.Policy))
                operation.Responses.TryAdd("403", new OpenApiResponse { Description = "Logged in, but not as an admin with this area's role, or an API key without the scope (the problem's missingScope names it)." });
            return Task.CompletedTask;
        });
        // (Last: after the transformers that add error answers.) Error answers are problem details, so that clients can throw them typed.
        options.AddOperationTransformer((operation, context, _) =>
        {
            foreach (var (status, response) in operation.Responses ?? [])
            {
                if (status.Length == 3 && status[0] is '4' or '5' && response is OpenApiResponse { Content: null or { Count: 0 } } concrete)
                    concrete.Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(ProblemSchema, context.Document) } };
            }
            return Task.CompletedTask;
        });
    }
}
