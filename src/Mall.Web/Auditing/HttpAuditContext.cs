using System.Diagnostics;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mall.Auditing;
using Mall.Web.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Mall.Web.Auditing;

/// <summary>
/// The audit entry of the current HTTP request: opened on first use for a request that may change something
/// (not GET, HEAD or OPTIONS) made by an admin, an API key or the operator key — core and plugin endpoints alike —
/// and null for everything else (shoppers, anonymous calls, reads, background work).
/// </summary>
internal sealed class HttpAuditContext(IHttpContextAccessor accessor) : IAuditContext
{
    private const string ScopeKey = "mall.audit";
    /// <summary>Where <see cref="AuditArgumentsFilter"/> leaves the request's redacted arguments.</summary>
    internal const string RequestKey = "mall.audit.request";
    private const string CorrelationHeader = "X-Correlation-Id";

    public AuditScope? Current
    {
        get
        {
            var http = accessor.HttpContext;
            if (http is null) return null;
            if (http.Items.TryGetValue(ScopeKey, out var existing)) return existing as AuditScope;
            var scope = Open(http);
            http.Items[ScopeKey] = scope;
            return scope;
        }
    }

    private static AuditScope? Open(HttpContext http)
    {
        var method = http.Request.Method;
        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method)) return null;
        var user = http.User;
        var kind = user.Identity?.AuthenticationType;
        var isAdmin = kind is MallAdminAuthentication.Scheme or MallClaims.ApiKeyScheme || user.IsInRole(MallAdminAuthentication.Role);
        if (!isAdmin || user.IsInRole(MallClaims.ShopperRole)) return null;
        var endpoint = http.GetEndpoint() as RouteEndpoint;
        var route = endpoint?.RoutePattern.RawText is { } raw ? "/" + raw.Trim('/') : http.Request.Path.Value ?? "";
        var correlation = http.Request.Headers[CorrelationHeader].ToString() is { Length: > 0 and <= 100 } given && given.All(c => c is >= '!' and <= '~')
            ? given
            : Activity.Current?.TraceId.ToString() ?? http.TraceIdentifier;
        var scope = new AuditScope(user.Actor(), $"{method} {route}", http.Connection.RemoteIpAddress?.ToString(), correlation,
            http.Items.TryGetValue(RequestKey, out var request) ? request as JsonNode : null);
        if (endpoint is not null && EntityOf(endpoint, http.Request.RouteValues) is { } entity) scope.SetEntity(entity.Type, entity.Id);
        return scope;
    }

    /// <summary>The entity a route names: its last parameter and the literal segment before it (<c>products/{id}</c> → product 42).</summary>
    private static (string Type, string Id)? EntityOf(RouteEndpoint endpoint, RouteValueDictionary values)
    {
        var segments = endpoint.RoutePattern.PathSegments;
        for (var i = segments.Count - 1; i > 0; i--)
        {
            if (segments[i].Parts is not [Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart parameter]) continue;
            if (!values.TryGetValue(parameter.Name, out var value) || value is null) continue;
            if (segments[i - 1].Parts is not [Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart literal]) continue;
            var type = literal.Content.EndsWith("ies", StringComparison.Ordinal) ? literal.Content[..^3] + "y"
                : literal.Content.EndsWith('s') ? literal.Content[..^1] : literal.Content;
            return (type, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!);
        }
        return null;
    }
}

/// <summary>
/// Keeps an admin request's arguments (the bound body and route or query values, never services, files or the user)
/// as JSON with secrets redacted, for its audit entry.
/// </summary>
internal sealed class AuditArgumentsFilter : IEndpointFilter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method))
        {
            var services = http.RequestServices.GetService(typeof(Microsoft.Extensions.DependencyInjection.IServiceProviderIsService)) as Microsoft.Extensions.DependencyInjection.IServiceProviderIsService;
            var parameters = (http.GetEndpoint()?.Metadata.GetMetadata<System.Reflection.MethodInfo>()?.GetParameters()) ?? [];
            var arguments = new JsonObject();
            for (var i = 0; i < context.Arguments.Count; i++)
            {
                var value = context.Arguments[i];
                if (value is null || !Recordable(value.GetType(), services)) continue;
                var name = i < parameters.Length ? parameters[i].Name ?? $"arg{i}" : $"arg{i}";
                try
                {
                    arguments[name] = Redact(name, JsonSerializer.SerializeToNode(value, value.GetType(), Json));
                }
                catch (Exception ex) when (ex is NotSupportedException or JsonException or InvalidOperationException)
                {
                    arguments[name] = $"({value.GetType().Name})";
                }
            }
            http.Items[HttpAuditContext.RequestKey] = arguments;
        }
        return next(context);
    }

    /// <summary>Values of the request: primitives, strings, times, ids and Mall's input records; never services or streams.</summary>
    private static bool Recordable(Type type, Microsoft.Extensions.DependencyInjection.IServiceProviderIsService? services)
    {
        if (type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(Guid)
            || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(TimeSpan)) return true;
        if (typeof(JsonNode).IsAssignableFrom(type) || type == typeof(JsonElement)) return true;
        if (typeof(IFormFile).IsAssignableFrom(type) || typeof(Stream).IsAssignableFrom(type) || typeof(ClaimsPrincipal).IsAssignableFrom(type)
            || typeof(HttpContext).IsAssignableFrom(type) || type == typeof(CancellationToken)) return false;
        // Bodies bound from JSON; services come from the container.
        return !type.IsInterface && !type.IsAbstract && services?.IsService(type) != true;
    }

    /// <summary>Replaces the values of secret-looking names (password, secret, token, …key) with "***".</summary>
    internal static JsonNode? Redact(string name, JsonNode? node)
    {
        if (node is null) return null;
        if (IsSecret(name)) return JsonValue.Create("***");
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(p => p.Key).ToList()) o[key] = Redact(key, o[key]?.DeepClone());
                return o;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++) a[i] = Redact(name, a[i]?.DeepClone());
                return a;
            default:
                return node;
        }
    }

    private static bool IsSecret(string name)
    {
        var n = name.ToLowerInvariant();
        return n.Contains("password", StringComparison.Ordinal) || n.Contains("secret", StringComparison.Ordinal) || n.Contains("token", StringComparison.Ordinal)
            || n.EndsWith("key", StringComparison.Ordinal) || n.Contains("privatekey", StringComparison.Ordinal) || n.Contains("certificate", StringComparison.Ordinal);
    }
}
