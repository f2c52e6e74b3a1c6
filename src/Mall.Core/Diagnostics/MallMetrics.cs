using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Mall.Diagnostics;

/// <summary>
/// The meters an operator watches (meter <c>Mall</c>, see docs/operations.md): orders placed and failed, checkout
/// duration, payment notifications, cache hits and misses, plugin loads and unload pins, job runs. Export them with
/// OpenTelemetry (<c>AddMeter("Mall")</c>) or watch them with <c>dotnet-counters monitor -n &lt;process&gt; Mall</c>.
/// </summary>
public sealed class MallMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Mall";

    private readonly Counter<long> _ordersPlaced;
    private readonly Counter<long> _ordersFailed;
    private readonly Histogram<double> _checkoutDuration;
    private readonly Counter<long> _paymentNotifications;
    private readonly Counter<long> _cacheHits;
    private readonly Counter<long> _cacheMisses;
    private readonly Counter<long> _pluginLoads;
    private readonly UpDownCounter<long> _unloadPins;
    private readonly Counter<long> _jobRuns;
    private readonly Histogram<double> _jobDuration;
    private readonly Counter<long> _webhookAttempts;
    private readonly Histogram<double> _webhookLatency;

    /// <summary>Creates the instruments on a meter of <paramref name="meterFactory"/>.</summary>
    public MallMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _ordersPlaced = meter.CreateCounter<long>("mall.orders.placed", "{order}", "Orders placed (checkout committed).");
        _ordersFailed = meter.CreateCounter<long>("mall.orders.failed", "{order}", "Checkouts refused or failed, by reason (error code).");
        _checkoutDuration = meter.CreateHistogram<double>("mall.checkout.duration", "s", "Time from checkout request to committed order (or refusal).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
        _paymentNotifications = meter.CreateCounter<long>("mall.payments.notifications", "{notification}", "Payment gateway notifications, by provider and outcome.");
        _cacheHits = meter.CreateCounter<long>("mall.cache.hits", "{read}", "Cached reads served from a cache, by cache.");
        _cacheMisses = meter.CreateCounter<long>("mall.cache.misses", "{read}", "Cached reads that went to the database, by cache.");
        _pluginLoads = meter.CreateCounter<long>("mall.plugins.loads", "{load}", "Plugin versions loaded, by plugin and outcome.");
        _unloadPins = meter.CreateUpDownCounter<long>("mall.plugins.unload_pins", "{generation}", "Unloaded plugin versions whose load context is not collected yet (a lasting value is a leak).");
        _jobRuns = meter.CreateCounter<long>("mall.jobs.runs", "{run}", "Background job runs on this node, by job and outcome.");
        _jobDuration = meter.CreateHistogram<double>("mall.jobs.duration", "s", "Background job run time, by job.");
        _webhookAttempts = meter.CreateCounter<long>("mall.webhooks.attempts", "{attempt}", "Webhook HTTP attempts, by outcome (succeeded, failed).");
        _webhookLatency = meter.CreateHistogram<double>("mall.webhooks.latency", "s", "Time from an event's commit to its successful delivery (first deliveries only).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600] });
    }

    /// <summary>An order was placed.</summary>
    public void OrderPlaced(TimeSpan checkoutDuration)
    {
        _ordersPlaced.Add(1);
        _checkoutDuration.Record(checkoutDuration.TotalSeconds, new KeyValuePair<string, object?>("outcome", "placed"));
    }

    /// <summary>A checkout was refused or failed; <paramref name="reason"/> is its error code (e.g. <c>stock.insufficient</c>).</summary>
    public void OrderFailed(string reason, TimeSpan checkoutDuration)
    {
        _ordersFailed.Add(1, new KeyValuePair<string, object?>("reason", reason));
        _checkoutDuration.Record(checkoutDuration.TotalSeconds, new KeyValuePair<string, object?>("outcome", "failed"));
    }

    /// <summary>A payment notification arrived from <paramref name="provider"/>; <paramref name="outcome"/> is e.g. <c>applied</c>, <c>duplicate</c>, <c>rejected</c>.</summary>
    public void PaymentNotification(string provider, string outcome) =>
        _paymentNotifications.Add(1, new KeyValuePair<string, object?>("provider", provider), new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>A cached read of <paramref name="cache"/> was a hit (true) or went to the database.</summary>
    public void CacheRead(string cache, bool hit)
    {
        if (hit) _cacheHits.Add(1, new KeyValuePair<string, object?>("cache", cache));
        else _cacheMisses.Add(1, new KeyValuePair<string, object?>("cache", cache));
    }

    /// <summary>A plugin version was loaded (or failed to).</summary>
    public void PluginLoaded(string pluginId, bool succeeded) =>
        _pluginLoads.Add(1, new KeyValuePair<string, object?>("plugin", pluginId), new KeyValuePair<string, object?>("outcome", succeeded ? "loaded" : "failed"));

    /// <summary>An unloaded plugin version started (+1) or finished (-1) waiting to be collected.</summary>
    public void UnloadPin(string pluginId, int delta) => _unloadPins.Add(delta, new KeyValuePair<string, object?>("plugin", pluginId));

    /// <summary>A job ran on this node.</summary>
    public void JobRan(string job, bool succeeded, TimeSpan duration)
    {
        var tags = new TagList { { "job", job }, { "outcome", succeeded ? "succeeded" : "failed" } };
        _jobRuns.Add(1, tags);
        _jobDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("job", job));
    }

    /// <summary>A webhook attempt was made; <paramref name="latency"/> is given for a first delivery that succeeded.</summary>
    public void WebhookAttempted(bool succeeded, TimeSpan? latency)
    {
        _webhookAttempts.Add(1, new KeyValuePair<string, object?>("outcome", succeeded ? "succeeded" : "failed"));
        if (latency is { } l) _webhookLatency.Record(l.TotalSeconds);
    }
}
