using System.Security.Claims;
using Mall.Common;
using Mall.Security;
using Mall.Web.Hosting;
using Mall.Web.Security;
using Mall.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Mall.Web.Webhooks;

/// <summary>
/// Webhook subscriptions and their delivery log (<c>/api/admin/webhooks</c>): owners, or API keys with
/// <c>webhooks:manage</c>. Subscriptions are created (the secret is shown once), changed, paused, resumed, re-sent
/// from a time, deleted; any delivery can be read with its attempts and replayed.
/// </summary>
internal static class WebhookEndpoints
{
    public static void MapWebhookAdmin(this RouteGroupBuilder group)
    {
        var webhooks = group.MapGroup("/webhooks").WithTags("Admin: webhooks").WithApiScope(ApiScopes.WebhooksManage);
        webhooks.MapGet("/event-types", (IWebhookService service) => TypedResults.Ok(service.EventTypes()))
            .WithSummary("The event types that can be subscribed to (the core's and those of enabled plugins).");

        var subscriptions = webhooks.MapGroup("/subscriptions");
        subscriptions.MapGet("/", (IWebhookService service, CancellationToken ct) => service.ListAsync(ct))
            .WithSummary("Every subscription, newest first (never a secret).");
        subscriptions.MapGet("/{id:long}", async (long id, IWebhookService service, CancellationToken ct) =>
                await service.FindAsync(id, ct) ?? throw new MallNotFoundException($"Webhook subscription {id} does not exist."))
            .WithSummary("One subscription.");
        subscriptions.MapPost("/", async (WebhookSubscriptionInput body, ClaimsPrincipal user, IWebhookService service, CancellationToken ct) =>
            {
                var created = await service.CreateAsync(body ?? throw new MallValidationException("body", "is required."), user.Actor(), ct);
                return TypedResults.Created($"{MallRoutes.Admin}/webhooks/subscriptions/{created.Subscription.Id}", created);
            })
            .WithSummary("Creates a subscription; the answer's secret (whsec_…) is shown this once: receivers verify signatures with it.");
        subscriptions.MapPatch("/{id:long}", (long id, WebhookSubscriptionInput body, ClaimsPrincipal user, IWebhookService service, CancellationToken ct) =>
                service.UpdateAsync(id, body ?? throw new MallValidationException("body", "is required."), user.Actor(), ct))
            .WithSummary("Changes the name, URL or events given (the rest stay).");
        subscriptions.MapDelete("/{id:long}", async (long id, ClaimsPrincipal user, IWebhookService service, CancellationToken ct) =>
            {
                await service.DeleteAsync(id, user.Actor(), ct);
                return TypedResults.NoContent();
            })
            .WithSummary("Deletes the subscription with its delivery log.");
        subscriptions.MapPost("/{id:long}/rotate-secret", (long id, RotateWebhookSecretBody? body, ClaimsPrincipal user, IWebhookService service, CancellationToken ct) =>
                service.RotateSecretAsync(id, body?.Overlap ?? TimeSpan.FromDays(1), user.Actor(), ct))
            .WithSummary("Gives the subscription a new secret (shown once); deliveries carry both signatures for the overlap (default 1 day, at most 7).");
        subscriptions.MapPost("/{id:long}/pause", (long id, ClaimsPrincipal user, IWebhookService service, CancellationToken ct) => service.PauseAsync(id, user.Actor(), ct))
            .WithSummary("Pauses the subscription: events are kept for it, none is sent.");
        subscriptions.MapPost("/{id:long}/resume", (long id, ClaimsPrincipal user, IWebhookService service, CancellationToken ct) => service.ResumeAsync(id, user.Actor(), ct))
            .WithSummary("Resumes the subscription: what was kept meanwhile is sent at once.");
        subscriptions.MapPost("/{id:long}/resend", async (long id, ResendWebhookBody body, ClaimsPrincipal user, IWebhookService service, CancellationToken ct) =>
                new ResendWebhookResult(await service.ResendAsync(id, (body ?? throw new MallValidationException("body", "is required.")).Since
                    ?? throw new MallValidationException("since", "is required (an ISO 8601 time, e.g. 2026-12-01T00:00:00Z)."), user.Actor(), ct)))
            .WithSummary("Sends again every event the subscription wants since a time (within the retention period).");

        var deliveries = webhooks.MapGroup("/deliveries");
        deliveries.MapGet("/", (long? subscriptionId, string? status, string? eventType, Guid? eventId, int? page, int? pageSize, IWebhookService service, CancellationToken ct) =>
                service.ListDeliveriesAsync(new WebhookDeliveryQuery(subscriptionId, QueryValues.ParseOptionalEnum<WebhookDeliveryStatus>("status", status), eventType, eventId, page ?? 1, pageSize ?? 20), ct))
            .WithSummary("The delivery log, newest first: by subscription, status (pending, succeeded, failed), event type or event id.");
        deliveries.MapGet("/{id:long}", async (long id, IWebhookService service, CancellationToken ct) =>
                await service.FindDeliveryAsync(id, ct) ?? throw new MallNotFoundException($"Webhook delivery {id} does not exist."))
            .WithSummary("One delivery with its body and every attempt (status, duration, response excerpt).");
        deliveries.MapPost("/{id:long}/replay", async (long id, ClaimsPrincipal user, IWebhookService service, CancellationToken ct) =>
            {
                var replay = await service.ReplayAsync(id, user.Actor(), ct);
                return TypedResults.Created($"{MallRoutes.Admin}/webhooks/deliveries/{replay.Id}", replay);
            })
            .WithSummary("Sends a delivery again, failed or successful (same event id): a new delivery, due now.");
    }
}

/// <summary>A secret rotation.</summary>
/// <param name="Overlap">How long the previous secret still signs (0 to 7 days; default 1 day).</param>
internal sealed record RotateWebhookSecretBody(TimeSpan? Overlap = null);

/// <summary>A resend.</summary>
/// <param name="Since">Events that occurred at or after this time are sent again.</param>
internal sealed record ResendWebhookBody(DateTime? Since);

/// <summary>What a resend queued.</summary>
/// <param name="Queued">How many deliveries.</param>
internal sealed record ResendWebhookResult(int Queued);
