using Mall.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mall.Jobs;

/// <summary>
/// A background job that runs every <see cref="Interval"/> on one node of the mall at a time: each tick it takes or
/// renews its lease (<see cref="IJobLeases"/>) and runs <see cref="RunOnceAsync"/> only while it holds it; a failed
/// run is logged and retried at the next tick; stopping gives the lease up. Derive from it for a job of a plugin
/// (registered as an <see cref="IHostedService"/> in the plugin's services, it runs while the plugin is enabled).
/// </summary>
public abstract class MallJob : BackgroundService
{
    private readonly IJobLeases _leases;
    private readonly TimeProvider _clock;
    private readonly MallMetrics? _metrics;

    /// <summary>A job that asks <paramref name="leases"/> before each run.</summary>
    /// <param name="leases">The mall's job leases.</param>
    /// <param name="clock">The clock ticks are measured on.</param>
    /// <param name="logger">Where failures are logged.</param>
    /// <param name="metrics">The mall's meters (job runs), or null.</param>
    protected MallJob(IJobLeases leases, TimeProvider clock, ILogger logger, MallMetrics? metrics = null)
    {
        _leases = leases;
        _clock = clock;
        Logger = logger;
        _metrics = metrics;
    }

    /// <summary>The job's lease name, unique in the mall (plugins prefix it with their id).</summary>
    public abstract string Name { get; }

    /// <summary>Time between runs.</summary>
    protected abstract TimeSpan Interval { get; }

    /// <summary>How long the lease lasts without renewal (default: three intervals, at least 10 s).</summary>
    protected virtual TimeSpan LeaseDuration => Interval * 3 > TimeSpan.FromSeconds(10) ? Interval * 3 : TimeSpan.FromSeconds(10);

    /// <summary>The job's logger.</summary>
    protected ILogger Logger { get; }

    /// <summary>One run: do what is due now. Called only on the node that holds the lease.</summary>
    protected abstract Task RunOnceAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Completes when there is work before the next tick (e.g. a signal raised when work is written), so that the job
    /// runs at once; the default never completes. Each completion causes one extra run.
    /// </summary>
    protected virtual Task WaitForWorkAsync(CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);

    /// <inheritdoc />
    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, _clock);
        Task<bool>? tick = null;
        Task? work = null;
        do
        {
            try
            {
                if (!await _leases.TryHoldAsync(Name, LeaseDuration, stoppingToken).ConfigureAwait(false)) continue;
                var started = _clock.GetTimestamp();
                try
                {
                    await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                    _metrics?.JobRan(Name, succeeded: true, _clock.GetElapsedTime(started));
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _metrics?.JobRan(Name, succeeded: false, _clock.GetElapsedTime(started));
                    Logger.LogError(ex, "Job {Job} failed; it runs again at the next tick.", Name);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The lease could not be read (database down): no run this tick.
                Logger.LogWarning(ex, "Job {Job} could not check its lease; trying again at the next tick.", Name);
            }
        }
        while (await NextAsync().ConfigureAwait(false));

        // A tick or a signal of work, whichever comes first; the other stays pending for the next wait (a periodic
        // timer allows one waiter at a time).
        async Task<bool> NextAsync()
        {
            tick ??= WaitAsync(timer, stoppingToken);
            work ??= WaitForWorkAsync(stoppingToken);
            var first = await Task.WhenAny(tick, work).ConfigureAwait(false);
            if (stoppingToken.IsCancellationRequested) return false;
            if (first == tick)
            {
                var ticked = tick;
                tick = null;
                return await ticked.ConfigureAwait(false);
            }
            work = null;
            return true;
        }
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _leases.ReleaseAsync(Name, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Logger.LogWarning(ex, "Job {Job} could not give its lease up; another node takes over when it expires.", Name);
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
