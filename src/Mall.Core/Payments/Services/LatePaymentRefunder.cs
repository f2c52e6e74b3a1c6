using Mall.Diagnostics;
using Mall.Jobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mall.Payments.Services;

/// <summary>
/// Background job: refunds late payments (captured after their order was cancelled or paid by another payment) that
/// are not refunded yet, because their refund at capture time was refused or the node stopped first. One node at a
/// time (a job lease); the refund keys make a second run harmless.
/// </summary>
internal sealed class LatePaymentRefunder(PaymentService payments, IOptions<MallOptions> options, IJobLeases leases, TimeProvider clock, MallMetrics metrics, ILogger<LatePaymentRefunder> logger)
    : MallJob(leases, clock, logger, metrics)
{
    /// <summary>The job's lease name.</summary>
    public const string JobName = "payments.late-refunds";

    public override string Name => JobName;

    protected override TimeSpan Interval => options.Value.Payments.LateRefundInterval;

    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        // One batch a tick: a provider refusing everything is asked again next tick, not in a loop.
        foreach (var (number, note) in await payments.LateUnrefundedAsync(100, cancellationToken).ConfigureAwait(false))
            await payments.RefundLateAsync(number, note, cancellationToken).ConfigureAwait(false);
    }
}
