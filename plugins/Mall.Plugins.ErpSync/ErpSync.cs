using System.Globalization;
using Mall.Ordering;
using Microsoft.Extensions.Logging;

namespace Mall.Plugins.ErpSync;

/// <summary>The sync's health, for the admin API.</summary>
/// <param name="Configured">An ERP is configured (base URL set).</param>
/// <param name="Paused">Pushes and pulls are paused by an admin.</param>
/// <param name="Backlog">Pushes not yet accepted by the ERP.</param>
/// <param name="Failing">Of those, how many failed at least once.</param>
/// <param name="Sent">Pushes the ERP accepted.</param>
/// <param name="LagSeconds">Age of the oldest push still pending (0 when none).</param>
/// <param name="LastPushAt">The last push the ERP accepted.</param>
/// <param name="LastPullAt">The last complete pull.</param>
/// <param name="LastError">The last failure (push or pull), if any.</param>
/// <param name="LastErrorAt">When.</param>
/// <param name="StockCursor">Where the stock pull goes on from.</param>
/// <param name="PriceCursor">Where the price pull goes on from.</param>
/// <param name="Resync">The full resync, when one has run.</param>
public sealed record ErpSyncStatus(bool Configured, bool Paused, long Backlog, long Failing, long Sent, double LagSeconds, DateTime? LastPushAt, DateTime? LastPullAt,
    string? LastError, DateTime? LastErrorAt, string? StockCursor, string? PriceCursor, ErpResyncProgress? Resync);

/// <summary>
/// The sync's one loop — push what is due, then pull when its interval has passed — and its controls (pause,
/// resume, retry, pull now). Run by <see cref="ErpSyncJob"/> on one node at a time.
/// </summary>
public sealed class ErpSync(ErpStore store, ErpPusher pusher, ErpPuller puller, Mall.Plugins.IPluginSettings pluginSettings, TimeProvider clock, ILogger<ErpSync> logger)
{
    private const int RequestedPullRetries = 10;
    private readonly SemaphoreSlim _work = new(0, 1);
    private int _requestedPullRetries;

    /// <summary>Completes when an admin asked for work before the next tick.</summary>
    internal Task WaitForWorkAsync(CancellationToken cancellationToken) => _work.WaitAsync(cancellationToken);

    private void Wake()
    {
        if (_work.CurrentCount == 0)
            try { _work.Release(); } catch (SemaphoreFullException) { }
    }

    /// <summary>One run of the loop.</summary>
    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var settings = pluginSettings.Get<ErpSettings>();
        if (!settings.IsConfigured) return;
        var state = await store.GetStatesAsync(cancellationToken);
        if (state.GetValueOrDefault("paused") == "true") return;
        await pusher.RunOnceAsync(settings, cancellationToken);

        var now = clock.GetUtcNow().UtcDateTime;
        var requested = state.GetValueOrDefault("pull.requested") == "true";
        if (!requested && Time(state, "pull.lastAttemptAt") is { } last && now - last < TimeSpan.FromSeconds(settings.PullIntervalSeconds)) return;
        await store.SetStatesAsync(now, cancellationToken, ("pull.lastAttemptAt", Stamp(now)), ("pull.requested", null));
        try
        {
            var counts = await store.CountsAsync(cancellationToken);
            var result = await puller.RunOnceAsync(settings, counts.PendingPaid > 0, cancellationToken);
            await store.SetStatesAsync(clock.GetUtcNow().UtcDateTime, cancellationToken, ("pull.lastResult", System.Text.Json.JsonSerializer.Serialize(result, ErpJson.Options)));
        }
        catch (ErpCallException ex)
        {
            logger.LogWarning("ERP sync: the pull failed and is tried again in {Seconds} s: {Error}", settings.PullIntervalSeconds, ex.Message);
            var at = clock.GetUtcNow().UtcDateTime;
            await store.SetStatesAsync(at, cancellationToken, ("pull.lastError", ex.Message), ("push.lastError", "pull: " + ex.Message), ("push.lastErrorAt", Stamp(at)));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Not the ERP's answer but the mall's side (checkouts that kept outrunning the stock adjustment, the
            // database): the failure is shown in the status, and a pull an admin asked for is tried again at the
            // next tick rather than an interval later, a few times.
            var retry = requested && ++_requestedPullRetries <= RequestedPullRetries;
            logger.LogWarning(ex, "ERP sync: the pull failed on the mall's side; {Next}.", retry ? "trying again at the next tick" : $"trying again in {settings.PullIntervalSeconds} s");
            var at = clock.GetUtcNow().UtcDateTime;
            await store.SetStatesAsync(at, cancellationToken, ("pull.lastError", ex.Message), ("push.lastError", "pull: " + ex.Message), ("push.lastErrorAt", Stamp(at)),
                ("pull.requested", retry ? "true" : null));
            if (!retry) _requestedPullRetries = 0;
            return;
        }
        _requestedPullRetries = 0;
    }

    /// <summary>The sync's health.</summary>
    public async Task<ErpSyncStatus> StatusAsync(CancellationToken cancellationToken)
    {
        var settings = pluginSettings.Get<ErpSettings>();
        var state = await store.GetStatesAsync(cancellationToken);
        var counts = await store.CountsAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        return new ErpSyncStatus(settings.IsConfigured, state.GetValueOrDefault("paused") == "true", counts.Pending, counts.Failing, counts.Sent,
            counts.OldestPending is { } oldest ? Math.Max(0, (now - oldest).TotalSeconds) : 0, Time(state, "push.lastSuccessAt"), Time(state, "pull.lastSuccessAt"),
            state.GetValueOrDefault("push.lastError"), Time(state, "push.lastErrorAt"), state.GetValueOrDefault("stock.cursor"), state.GetValueOrDefault("price.cursor"),
            ErpResync.Progress(state));
    }

    /// <summary>Pauses or resumes pushes and pulls (events keep being recorded while paused).</summary>
    public async Task<ErpSyncStatus> SetPausedAsync(bool paused, CancellationToken cancellationToken)
    {
        await store.SetStatesAsync(clock.GetUtcNow().UtcDateTime, cancellationToken, ("paused", paused ? "true" : null));
        logger.LogInformation("ERP sync {Action} by an admin.", paused ? "paused" : "resumed");
        Wake();
        return await StatusAsync(cancellationToken);
    }

    /// <summary>Makes every pending push due now and wakes the loop; answers how many were waiting.</summary>
    public async Task<int> RetryAsync(CancellationToken cancellationToken)
    {
        var count = await store.RetryAllAsync(clock.GetUtcNow().UtcDateTime, cancellationToken);
        Wake();
        return count;
    }

    /// <summary>Asks for a pull at the next run (now).</summary>
    public async Task RequestPullAsync(CancellationToken cancellationToken)
    {
        await store.SetStatesAsync(clock.GetUtcNow().UtcDateTime, cancellationToken, ("pull.requested", "true"));
        Wake();
    }

    internal static string Stamp(DateTime at) => at.ToString("O", CultureInfo.InvariantCulture);

    internal static DateTime? Time(IReadOnlyDictionary<string, string?> state, string name) =>
        state.GetValueOrDefault(name) is { } text && DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at) ? at : null;
}

/// <summary>Runs <see cref="ErpSync"/> every second on one node at a time, and at once when an admin asks.</summary>
public sealed class ErpSyncJob(ErpSync sync, Mall.Jobs.IJobLeases leases, TimeProvider clock, ILogger<ErpSyncJob> logger) : Mall.Jobs.MallJob(leases, clock, logger)
{
    /// <inheritdoc />
    public override string Name => "Mall.Plugins.ErpSync.sync";

    /// <inheritdoc />
    protected override TimeSpan Interval => TimeSpan.FromSeconds(1);

    /// <inheritdoc />
    protected override Task RunOnceAsync(CancellationToken cancellationToken) => sync.RunOnceAsync(cancellationToken);

    /// <inheritdoc />
    protected override Task WaitForWorkAsync(CancellationToken cancellationToken) => sync.WaitForWorkAsync(cancellationToken);
}

/// <summary>Records order events for the ERP in the order's own transaction, so none is lost and none is made up.</summary>
internal sealed class ErpOrderParticipant(ErpStore store, TimeProvider clock) : IOrderParticipant
{
    public Task PlacingAsync(OrderPlacing placing, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task TransitionedAsync(OrderTransitioned transition, CancellationToken cancellationToken)
    {
        ErpEvent? kind = transition.To switch
        {
            OrderStatus.Paid when transition.From == OrderStatus.PendingPayment => ErpEvent.Paid,
            OrderStatus.Cancelled => ErpEvent.Cancelled,
            OrderStatus.Refunded => ErpEvent.Refunded,
            OrderStatus.PartiallyRefunded => ErpEvent.PartiallyRefunded,
            _ => null,
        };
        return kind is { } k
            ? store.EnqueueAsync(transition.Transaction, transition.OrderId, transition.OrderNumber, k, clock.GetUtcNow().UtcDateTime, cancellationToken)
            : Task.CompletedTask;
    }
}
