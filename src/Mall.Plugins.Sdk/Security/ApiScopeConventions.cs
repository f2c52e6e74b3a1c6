using Microsoft.AspNetCore.Builder;

namespace Mall.Web.Security;

/// <summary>
/// Endpoint metadata: the scope an API key needs for an admin endpoint (<see cref="Mall.Security.ApiScopes"/>),
/// instead of its area's <c>{area}:read</c> / <c>{area}:write</c>.
/// </summary>
/// <param name="Scope">The scope, e.g. <c>orders:fulfil</c>.</param>
public sealed record ApiScopeMetadata(string Scope);

/// <summary>
/// Endpoint metadata: the area whose scopes an API key needs (<c>{area}:read</c> for GET and HEAD,
/// <c>{area}:write</c> otherwise). Without it, an endpoint behind <see cref="MallAdminAuthentication.PolicyFor"/>
/// uses its role's area (<c>catalog</c>, <c>orders</c>, <c>customers</c>); an owner-only endpoint takes no key.
/// </summary>
/// <param name="Area">The area, e.g. <c>inventory</c>, <c>marketing</c>.</param>
public sealed record ApiScopeAreaMetadata(string Area);

/// <summary>Declares which API-key scopes admin endpoints need.</summary>
public static class ApiScopeConventions
{
    /// <summary>API keys need <paramref name="scope"/> for these endpoints.</summary>
    public static TBuilder WithApiScope<TBuilder>(this TBuilder builder, string scope) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ApiScopeMetadata(scope));

    /// <summary>API keys need <paramref name="area"/>'s read or write scope for these endpoints.</summary>
    public static TBuilder WithApiScopeArea<TBuilder>(this TBuilder builder, string area) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ApiScopeAreaMetadata(area));
}
