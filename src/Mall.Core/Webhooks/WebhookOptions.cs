namespace Mall.Webhooks;

/// <summary>Webhook delivery (<c>Mall:Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    /// <summary>Whether this node dispatches the outbox and sends webhooks (default true; the work runs on one node at a time either way).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the dispatcher looks for work when no write woke it (default 1 s).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one HTTP attempt may take, connection included (default 10 s).</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts repeated at once (0.5 s, 1 s, … with jitter) after a failed one, before the delivery waits for its next round (default 2).</summary>
    public int ImmediateRetries { get; set; } = 2;

    /// <summary>Wait after a delivery's first failed round; it doubles each round up to <see cref="MaxRetryDelay"/> (default 30 s).</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest wait between rounds (default 1 hour).</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a delivery is retried before it is marked failed (default 24 hours); it can still be replayed.</summary>
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromHours(24);

    /// <summary>A subscription whose every attempt failed for this long is paused and the merchant told (default 24 hours).</summary>
    public TimeSpan PauseAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long events and delivery logs are kept, and how far back a resend reaches (default 30 days).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Deliveries sent at the same time (default 32).</summary>
    public int MaxParallelDeliveries { get; set; } = 32;

    /// <summary>
    /// Networks (CIDR, e.g. <c>127.0.0.1/32</c>) a subscription may point into although they are loopback,
    /// link-local or metadata addresses, which are refused otherwise (default none). For a receiver on the same host.
    /// </summary>
    public IList<string> AllowedNetworks { get; set; } = [];
}
