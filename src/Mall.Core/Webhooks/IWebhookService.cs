using Mall.Common;
using Mall.Outbox;

namespace Mall.Webhooks;

/// <summary>
/// Webhook subscriptions and their delivery log. Every event of the outbox that a subscription wants becomes one
/// delivery, signed (<see cref="WebhookSignature"/>), retried with backoff for <see cref="WebhookOptions.RetryPeriod"/>,
/// and kept with every attempt; any delivery can be replayed, and a subscription can be sent everything again from
/// a point in time. A subscription failing for <see cref="WebhookOptions.PauseAfter"/> is paused (never deleted):
/// its deliveries wait until it is resumed.
/// </summary>
public interface IWebhookService
{
    /// <summary>The event types that can be subscribed to: the core's and those of enabled plugins.</summary>
    IReadOnlyList<OutboxEventType> EventTypes();

    /// <summary>Creates a subscription; the answer holds its signing secret, shown this once.</summary>
    Task<WebhookSubscriptionWithSecret> CreateAsync(WebhookSubscriptionInput input, string actor, CancellationToken cancellationToken = default);

    /// <summary>Every subscription, newest first (never a secret).</summary>
    Task<IReadOnlyList<WebhookSubscription>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>One subscription, or null.</summary>
    Task<WebhookSubscription?> FindAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Changes a subscription's name, URL or events (those given); events already queued are still sent.</summary>
    Task<WebhookSubscription> UpdateAsync(long id, WebhookSubscriptionInput input, string actor, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gives the subscription a new secret (shown once); deliveries carry signatures by both the new and the previous
    /// secret for <paramref name="overlap"/> (0 to 7 days), so receivers can switch without losing any.
    /// </summary>
    Task<WebhookSubscriptionWithSecret> RotateSecretAsync(long id, TimeSpan overlap, string actor, CancellationToken cancellationToken = default);

    /// <summary>Pauses a subscription: its events are still queued, none is sent.</summary>
    Task<WebhookSubscription> PauseAsync(long id, string actor, CancellationToken cancellationToken = default);

    /// <summary>Resumes a paused subscription: what was queued meanwhile is sent at once, then the rest as it comes.</summary>
    Task<WebhookSubscription> ResumeAsync(long id, string actor, CancellationToken cancellationToken = default);

    /// <summary>Deletes a subscription with its delivery log.</summary>
    Task DeleteAsync(long id, string actor, CancellationToken cancellationToken = default);

    /// <summary>Deliveries, newest first, filtered by <paramref name="query"/>.</summary>
    Task<PagedResult<WebhookDelivery>> ListDeliveriesAsync(WebhookDeliveryQuery query, CancellationToken cancellationToken = default);

    /// <summary>One delivery with the body it sends and every attempt, or null.</summary>
    Task<WebhookDeliveryDetail?> FindDeliveryAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends a delivery again, failed or successful: a new delivery of the same event (same event id, so a receiver
    /// that deduplicates ignores what it already has), due now, with a retry period of its own.
    /// </summary>
    Task<WebhookDelivery> ReplayAsync(long deliveryId, string actor, CancellationToken cancellationToken = default);

    /// <summary>
    /// Queues again every event the subscription wants that occurred at or after <paramref name="since"/> (as far
    /// back as <see cref="WebhookOptions.Retention"/> keeps them); returns how many deliveries were queued.
    /// </summary>
    Task<int> ResendAsync(long subscriptionId, DateTime since, string actor, CancellationToken cancellationToken = default);
}

/// <summary>A subscription to create, or the fields to change.</summary>
/// <param name="Name">What it is for, e.g. "ERP" (at most 100 characters).</param>
/// <param name="Url">Where deliveries are POSTed: an absolute http(s) URL that is not a loopback, link-local or cloud metadata address (unless allowed by <see cref="WebhookOptions.AllowedNetworks"/>).</param>
/// <param name="Events">Event types (<c>order.paid</c>), area wildcards (<c>order.*</c>) or <c>*</c> for all.</param>
public sealed record WebhookSubscriptionInput(string? Name, string? Url, IReadOnlyList<string>? Events);

/// <summary>Whether a subscription is sent to.</summary>
public enum WebhookSubscriptionStatus
{
    /// <summary>Deliveries are sent.</summary>
    Active = 0,
    /// <summary>Deliveries are queued but not sent (paused by an admin or after failing for long).</summary>
    Paused = 1,
}

/// <summary>A webhook subscription (without its secret).</summary>
/// <param name="Id">Its id.</param>
/// <param name="Name">What it is for.</param>
/// <param name="Url">Where deliveries go.</param>
/// <param name="Events">The event types (or wildcards) it wants.</param>
/// <param name="Status">Active or paused.</param>
/// <param name="PausedReason">Why it is paused, or null.</param>
/// <param name="FailingSince">When its current run of failures began, or null while deliveries succeed.</param>
/// <param name="LastSuccessAt">Its last successful delivery, or null.</param>
/// <param name="LastFailureAt">Its last failed attempt, or null.</param>
/// <param name="SecretHint">The start of its secret, to tell secrets apart.</param>
/// <param name="CreatedBy">Who created it.</param>
/// <param name="CreatedAt">When.</param>
/// <param name="UpdatedAt">When it last changed.</param>
public sealed record WebhookSubscription(
    long Id, string Name, string Url, IReadOnlyList<string> Events, WebhookSubscriptionStatus Status, string? PausedReason,
    DateTime? FailingSince, DateTime? LastSuccessAt, DateTime? LastFailureAt, string SecretHint, string CreatedBy, DateTime CreatedAt, DateTime UpdatedAt);

/// <summary>A subscription with its secret, returned once, when it is created or its secret rotated.</summary>
/// <param name="Subscription">The subscription.</param>
/// <param name="Secret">The signing secret (<c>whsec_…</c>; the part after the prefix is the base64 HMAC key).</param>
public sealed record WebhookSubscriptionWithSecret(WebhookSubscription Subscription, string Secret);

/// <summary>Where a delivery stands.</summary>
public enum WebhookDeliveryStatus
{
    /// <summary>Waiting for its (next) attempt.</summary>
    Pending = 0,
    /// <summary>The receiver answered 2xx.</summary>
    Succeeded = 1,
    /// <summary>Every attempt in the retry period failed; it can be replayed.</summary>
    Failed = 2,
}

/// <summary>One event sent (or to be sent) to one subscription.</summary>
/// <param name="Id">The delivery's id.</param>
/// <param name="SubscriptionId">Its subscription.</param>
/// <param name="EventId">The event's id (header <c>webhook-id</c>), the same in every delivery of the event.</param>
/// <param name="EventType">The event's type.</param>
/// <param name="Status">Pending, succeeded or failed.</param>
/// <param name="Attempts">How many attempts were made.</param>
/// <param name="NextAttemptAt">When the next attempt is due (pending only).</param>
/// <param name="LastAttemptAt">When the last attempt was made, or null.</param>
/// <param name="LastStatusCode">The HTTP status of the last attempt, or null (none yet, or no answer).</param>
/// <param name="ReplayOf">The delivery this one replays, or null.</param>
/// <param name="CreatedAt">When it was queued.</param>
public sealed record WebhookDelivery(
    long Id, long SubscriptionId, Guid EventId, string EventType, WebhookDeliveryStatus Status, int Attempts,
    DateTime? NextAttemptAt, DateTime? LastAttemptAt, int? LastStatusCode, long? ReplayOf, DateTime CreatedAt);

/// <summary>One HTTP attempt of a delivery.</summary>
/// <param name="AttemptedAt">When it started.</param>
/// <param name="Succeeded">Whether the receiver answered 2xx.</param>
/// <param name="StatusCode">The HTTP status, or null when there was no answer.</param>
/// <param name="DurationMs">How long it took.</param>
/// <param name="Error">Why it failed without an answer (timeout, refused connection, blocked address), or null.</param>
/// <param name="ResponseExcerpt">The start of the response body (at most 1,000 characters), or null.</param>
public sealed record WebhookAttempt(DateTime AttemptedAt, bool Succeeded, int? StatusCode, int DurationMs, string? Error, string? ResponseExcerpt);

/// <summary>A delivery with the body it sends and its attempts (oldest first).</summary>
/// <param name="Delivery">The delivery.</param>
/// <param name="Body">The JSON body every attempt sends.</param>
/// <param name="Attempts">Its attempts.</param>
public sealed record WebhookDeliveryDetail(WebhookDelivery Delivery, string Body, IReadOnlyList<WebhookAttempt> Attempts);

/// <summary>A filter of the delivery log.</summary>
/// <param name="SubscriptionId">Only this subscription's.</param>
/// <param name="Status">Only deliveries in this state.</param>
/// <param name="EventType">Only this event type.</param>
/// <param name="EventId">Only this event's.</param>
/// <param name="Page">Page number from 1.</param>
/// <param name="PageSize">Page size (1–100).</param>
public sealed record WebhookDeliveryQuery(long? SubscriptionId = null, WebhookDeliveryStatus? Status = null, string? EventType = null, Guid? EventId = null, int Page = 1, int PageSize = 20);

/// <summary>Raised (after the change) when a subscription is paused because it kept failing, so that the merchant can be told (e.g. by a plugin that sends mail).</summary>
/// <param name="SubscriptionId">The subscription.</param>
/// <param name="Name">Its name.</param>
/// <param name="Url">Its URL.</param>
/// <param name="FailingSince">Since when every attempt failed.</param>
/// <param name="OccurredAt">When it was paused.</param>
public sealed record WebhookSubscriptionPausedEvent(long SubscriptionId, string Name, string Url, DateTime FailingSince, DateTimeOffset OccurredAt) : Events.IDomainEvent;
