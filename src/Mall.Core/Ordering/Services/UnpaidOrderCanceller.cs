using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mall.Ordering.Services;

/// <summary>
/// Background job: cancels unpaid orders past their payment deadline and releases their stock. Several hosts may
/// run it at once: each cancellation is a guarded transition, so an order is cancelled (and its stock released)
/// exactly once, whichever host gets there first.
/// </summary>
internal sealed class UnpaidOrderCanceller(IOrderService orders, IOptions<MallOptions> mallOptions, TimeProvider clock, ILogger<UnpaidOrderCanceller> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(mallOptions.Value.Ordering.TimeoutSweepInterval, clock);
        do
        {
            try
            {
                int cancelled;
                // Drain in batches so that a backlog clears within one tick.
                while ((cancelled = await orders.CancelExpiredAsync(100, stoppingToken).ConfigureAwait(false)) > 0)
                    logger.LogInformation("Cancelled {Count} unpaid orders past their payment deadline.", cancelled);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Cancelling unpaid orders failed; trying again at the next tick.");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
