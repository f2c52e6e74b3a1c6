using Mall.Diagnostics;
using Mall.Jobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mall.Ordering.Services;

/// <summary>
/// Background job: cancels unpaid orders past their payment deadline and releases their stock. It runs on one node
/// at a time (a job lease); even if two ran, each cancellation is a guarded transition, so an order is cancelled
/// (and its stock released) exactly once.
/// </summary>
internal sealed class UnpaidOrderCanceller(IOrderService orders, IOptions<MallOptions> mallOptions, IJobLeases leases, TimeProvider clock, MallMetrics metrics, ILogger<UnpaidOrderCanceller> logger)
    : MallJob(leases, clock, logger, metrics)
{
    /// <summary>The job's lease name.</summary>
    public const string JobName = "ordering.payment-timeout";

    public override string Name => JobName;

    protected override TimeSpan Interval => mallOptions.Value.Ordering.TimeoutSweepInterval;

    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        int cancelled;
        // Drain in batches so that a backlog clears within one tick.
        while ((cancelled = await orders.CancelExpiredAsync(100, cancellationToken).ConfigureAwait(false)) > 0)
            logger.LogInformation("Cancelled {Count} unpaid orders past their payment deadline.", cancelled);
    }
}
