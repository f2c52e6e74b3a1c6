using Mall.Common;

namespace Mall.Webhooks.Services;

/// <summary>A row of <c>mall_webhook_subscription</c>.</summary>
internal sealed class SubscriptionRow
{
    public const string Columns =
        "id AS Id, name AS Name, url AS Url, events AS Events, secret AS Secret, previous_secret AS PreviousSecret, previous_valid_until AS PreviousValidUntil, " +
        "status AS Status, paused_reason AS PausedReason, failing_since AS FailingSince, last_success_at AS LastSuccessAt, last_failure_at AS LastFailureAt, " +
        "created_by AS CreatedBy, created_at AS CreatedAt, updated_at AS UpdatedAt";

    private IReadOnlyList<string>? _events;

    public long Id { get; set; }
    public string Name { get; set; } = "";
    public string Url { get; set; } = "";
    public string Events { get; set; } = "";
    public string Secret { get; set; } = "";
    public string? PreviousSecret { get; set; }
    public DateTime? PreviousValidUntil { get; set; }
    public short Status { get; set; }
    public string? PausedReason { get; set; }
    public DateTime? FailingSince { get; set; }
    public DateTime? LastSuccessAt { get; set; }
    public DateTime? LastFailureAt { get; set; }
    public string CreatedBy { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    public IReadOnlyList<string> EventList => _events ??= Events.Split(',', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The secrets deliveries are signed with now: the current one, and the previous one during its overlap.</summary>
    public IReadOnlyList<string> SecretsAt(DateTime now) =>
        PreviousSecret is not null && PreviousValidUntil is { } until && Utc.Of(until) > now ? [Secret, PreviousSecret] : [Secret];

    public WebhookSubscription ToSubscription() => new(
        Id, Name, Url, EventList, (WebhookSubscriptionStatus)Status, PausedReason, Utc.Of(FailingSince), Utc.Of(LastSuccessAt), Utc.Of(LastFailureAt),
        Secret.Length > 12 ? Secret[..12] + "…" : "…", CreatedBy, Utc.Of(CreatedAt), Utc.Of(UpdatedAt));
}

/// <summary>A row of <c>mall_webhook_delivery</c>.</summary>
internal sealed class DeliveryRow
{
    public const string Columns =
        "id AS Id, subscription_id AS SubscriptionId, outbox_id AS OutboxId, event_id AS EventId, event_type AS EventType, status AS Status, attempts AS Attempts, rounds AS Rounds, " +
        "next_attempt_at AS NextAttemptAt, last_attempt_at AS LastAttemptAt, last_status_code AS LastStatusCode, replay_of AS ReplayOf, created_at AS CreatedAt";

    public long Id { get; set; }
    public long SubscriptionId { get; set; }
    public long OutboxId { get; set; }
    public string EventId { get; set; } = "";
    public string EventType { get; set; } = "";
    public short Status { get; set; }
    public int Attempts { get; set; }
    public int Rounds { get; set; }
    public DateTime? NextAttemptAt { get; set; }
    public DateTime? LastAttemptAt { get; set; }
    public int? LastStatusCode { get; set; }
    public long? ReplayOf { get; set; }
    public DateTime CreatedAt { get; set; }

    public WebhookDelivery ToDelivery() => new(
        Id, SubscriptionId, Guid.Parse(EventId), EventType, (WebhookDeliveryStatus)Status, Attempts,
        (WebhookDeliveryStatus)Status == WebhookDeliveryStatus.Pending ? Utc.Of(NextAttemptAt) : null, Utc.Of(LastAttemptAt), LastStatusCode, ReplayOf, Utc.Of(CreatedAt));
}

/// <summary>A row of <c>mall_webhook_attempt</c>.</summary>
internal sealed class AttemptRow
{
    public DateTime AttemptedAt { get; set; }
    public bool Succeeded { get; set; }
    public int? StatusCode { get; set; }
    public int DurationMs { get; set; }
    public string? Error { get; set; }
    public string? ResponseExcerpt { get; set; }
}
