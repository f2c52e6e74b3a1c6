using System.Security.Claims;
using Mall.Common;
using Mall.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Mall.Web.Security;

/// <summary>
/// API keys for integrations (<c>/api/admin/api-keys</c>, owner only, never reachable with an API key): create
/// (the token is shown once), list, rotate with an overlap, revoke.
/// </summary>
internal static class ApiKeyEndpoints
{
    public static void MapApiKeyAdmin(this RouteGroupBuilder group)
    {
        var keys = group.MapGroup("/api-keys").WithTags("Admin: API keys");
        keys.MapGet("/", (IApiKeyService service, CancellationToken ct) => service.ListAsync(ct))
            .WithSummary("Lists every API key (never a secret), newest first.");
        keys.MapGet("/scopes", () => ApiScopes.All).WithSummary("The scopes a key may hold.");
        keys.MapGet("/{id:long}", async (long id, IApiKeyService service, CancellationToken ct) =>
                await service.FindAsync(id, ct) ?? throw new MallNotFoundException($"API key {id} does not exist."))
            .WithSummary("One API key.");
        keys.MapPost("/", async (ApiKeyInput body, ClaimsPrincipal user, IApiKeyService service, CancellationToken ct) =>
            {
                var created = await service.CreateAsync(body ?? throw new MallValidationException("body", "is required."), user.Actor(), ct);
                return TypedResults.Created($"{MallRoutes.Admin}/api-keys/{created.Key.Id}", created);
            })
            .WithSummary("Creates an API key; the answer's token is shown this once (send it as X-Mall-Api-Key).");
        keys.MapPost("/{id:long}/rotate", (long id, RotateApiKeyBody? body, ClaimsPrincipal user, IApiKeyService service, CancellationToken ct) =>
                service.RotateAsync(id, body?.Overlap ?? TimeSpan.FromDays(1), user.Actor(), ct))
            .WithSummary("Gives the key a new token (shown once); the previous one works for the overlap (default 1 day, at most 7).");
        keys.MapPost("/{id:long}/revoke", (long id, ClaimsPrincipal user, IApiKeyService service, CancellationToken ct) => service.RevokeAsync(id, user.Actor(), ct))
            .WithSummary("Revokes the key on every node at once.");
    }
}

/// <summary>A rotation.</summary>
/// <param name="Overlap">How long the previous token keeps working (0 to 7 days; default 1 day).</param>
internal sealed record RotateApiKeyBody(TimeSpan? Overlap = null);
