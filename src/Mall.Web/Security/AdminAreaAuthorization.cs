using System.Security.Claims;
using Mall.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;

namespace Mall.Web.Security;

/// <summary>
/// One area of the admin API: an admin who logged in needs the area's role or owner; an API key needs the
/// endpoint's scope (its <see cref="ApiScopeMetadata"/>, else its area's read or write scope by the HTTP method).
/// </summary>
internal sealed class AdminAreaRequirement(string role) : IAuthorizationRequirement
{
    public string Role { get; } = role;
}

/// <summary>Decides <see cref="AdminAreaRequirement"/>; a key's refusal names the scope it lacks.</summary>
internal sealed class AdminAreaAuthorization : AuthorizationHandler<AdminAreaRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, AdminAreaRequirement requirement)
    {
        var user = context.User;
        if (user.Identity?.AuthenticationType == MallClaims.ApiKeyScheme)
        {
            var scope = RequiredScope(context.Resource as HttpContext, requirement.Role);
            if (scope is null) context.Fail(new ScopeFailure(this, null));
            else if (user.HasClaim(ApiKeyAuthenticationHandler.ScopeClaim, scope)) context.Succeed(requirement);
            else context.Fail(new ScopeFailure(this, scope));
        }
        else if (user.IsInRole(MallClaims.AdminRolePrefix + AdminRoles.Owner) || user.IsInRole(MallClaims.AdminRolePrefix + requirement.Role))
            context.Succeed(requirement);
        return Task.CompletedTask;
    }

    /// <summary>The scope a key needs here, or null where no key may go (owner-only areas).</summary>
    internal static string? RequiredScope(HttpContext? http, string role)
    {
        var endpoint = http?.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<ApiScopeMetadata>() is { } exact) return exact.Scope;
        var area = endpoint?.Metadata.GetMetadata<ApiScopeAreaMetadata>()?.Area
            ?? (role is AdminRoles.Catalog or AdminRoles.Orders or AdminRoles.Customers ? role : null);
        if (area is null) return null;
        return HttpMethods.IsGet(http!.Request.Method) || HttpMethods.IsHead(http.Request.Method) ? $"{area}:read" : $"{area}:write";
    }

    /// <summary>Why a key was refused: the scope it lacks, or null for an area no key may use.</summary>
    internal sealed class ScopeFailure(IAuthorizationHandler handler, string? scope)
        : AuthorizationFailureReason(handler, scope is null ? "API keys cannot use this part of the admin API; it needs an admin with the owner role." : $"The API key lacks the scope '{scope}'.")
    {
        public string? Scope { get; } = scope;
    }
}

/// <summary>Answers a key refused for a scope with a 403 problem naming it (the rest as ASP.NET Core does).</summary>
internal sealed class ScopeProblemResultHandler(IProblemDetailsService problems) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden && authorizeResult.AuthorizationFailure?.FailureReasons.OfType<AdminAreaAuthorization.ScopeFailure>().FirstOrDefault() is { } failure)
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails
            {
                Status = StatusCodes.Status403Forbidden, Title = "Forbidden", Detail = failure.Message,
                Type = "https://tools.ietf.org/html/rfc9110#section-15.5.4",
            };
            problem.Extensions["code"] = failure.Scope is null ? "apikey.owner_only" : "apikey.missing_scope";
            if (failure.Scope is not null) problem.Extensions["missingScope"] = failure.Scope;
            await problems.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
            return;
        }
        await _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
