using System.Globalization;
using Mall.Ordering;
using Microsoft.Extensions.Logging;

namespace Mall.Plugins.ErpSync;

/// <summary>Where a full resync stands.</summary>
/// <param name="Status"><c>running</c> or <c>done</c>.</param>
/// <param name="Orders">Orders looked at so far.</param>
/// <param name="Total">Orders there were when it started (orders placed since are sent by the normal sync).</param>
/// <param name="Queued">Events queued for the ERP so far.</param>
/// <param name="AfterOrderId">The last order looked at: the resync goes on after it.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="FinishedAt">When it finished.</param>
public sealed record ErpResyncProgress(string Status, long Orders, long Total, long Queued, long AfterOrderId, DateTime? StartedAt, DateTime? FinishedAt)
{
    /// <summary>The resync has walked every order.</summary>
    public bool Done => Status == "done";
}

/// <summary>
/// A full resync: every order's events queued for the ERP again (sent ones too — the ERP deduplicates on the event
/// key) and both pulls started again from the beginning. It walks the orders by id in steps, keeping its place in
/// the database, so an interrupted resync goes on where it stopped.
/// </summary>
public sealed class ErpResync(ErpStore store, ErpSync sync, IOrderService orders, TimeProvider clock, ILogger<ErpResync> logger)
{
    private const int StepSize = 100;

    /// <summary>Starts a resync, or answers the one running (<paramref name="restart"/> starts over).</summary>
    public async Task<ErpResyncProgress> StartAsync(bool restart, CancellationToken cancellationToken)
    {
        var state = await store.GetStatesAsync(cancellationToken);
        if (!restart && Progress(state) is { Done: false } running) return running;
        var total = (await orders.ListAsync(new OrderQuery { AfterId = 0, PageSize = 1 }, cancellationToken)).Total;
        var now = clock.GetUtcNow().UtcDateTime;
        await store.SetStatesAsync(now, cancellationToken, ("resync.status", "running"), ("resync.orders", "0"), ("resync.total", N(total)), ("resync.queued", "0"),
            ("resync.afterId", "0"), ("resync.startedAt", ErpSync.Stamp(now)), ("resync.finishedAt", null), ("stock.cursor", null), ("price.cursor", null));
        logger.LogInformation("ERP sync: full resync started over {Total} order(s).", total);
        return Progress(await store.GetStatesAsync(cancellationToken))!;
    }

    /// <summary>Queues the next orders' events; answers the progress (<see cref="ErpResyncProgress.Done"/> at the end).</summary>
    public async Task<ErpResyncProgress> StepAsync(CancellationToken cancellationToken)
    {
        var progress = Progress(await store.GetStatesAsync(cancellationToken)) ?? throw new Mall.Common.MallConflictException("No resync is running: start one first.") { Code = "erp.no_resync" };
        if (progress.Done) return progress;
        var page = await orders.ListAsync(new OrderQuery { AfterId = progress.AfterOrderId, PageSize = StepSize }, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        long queued = 0;
        foreach (var order in page.Items)
            foreach (var kind in Events(order.Status))
            {
                await store.RequeueAsync(order.Id, order.Number, kind, now, cancellationToken);
                queued++;
            }
        var done = page.Items.Count < StepSize;
        var after = page.Items.Count > 0 ? page.Items[^1].Id : progress.AfterOrderId;
        // The place is saved after the step's events: a step interrupted before this line is done again, which queues nothing twice.
        await store.SetStatesAsync(now, cancellationToken, ("resync.afterId", N(after)), ("resync.orders", N(progress.Orders + page.Items.Count)),
            ("resync.queued", N(progress.Queued + queued)), ("resync.status", done ? "done" : "running"), ("resync.finishedAt", done ? ErpSync.Stamp(now) : null));
        if (done)
        {
            logger.LogInformation("ERP sync: full resync walked {Orders} order(s) and queued {Queued} event(s).", progress.Orders + page.Items.Count, progress.Queued + queued);
            await sync.RequestPullAsync(cancellationToken);
        }
        await sync.RetryAsync(cancellationToken);
        return Progress(await store.GetStatesAsync(cancellationToken))!;
    }

    /// <summary>The events an order in <paramref name="status"/> has had, in order.</summary>
    internal static IEnumerable<ErpEvent> Events(OrderStatus status) => status switch
    {
        OrderStatus.PendingPayment => [],
        OrderStatus.Cancelled => [ErpEvent.Cancelled],
        OrderStatus.Refunded => [ErpEvent.Paid, ErpEvent.Refunded],
        OrderStatus.PartiallyRefunded => [ErpEvent.Paid, ErpEvent.PartiallyRefunded],
        _ => [ErpEvent.Paid],
    };

    /// <summary>The resync in <paramref name="state"/>, or null when none has run.</summary>
    internal static ErpResyncProgress? Progress(IReadOnlyDictionary<string, string?> state) =>
        state.GetValueOrDefault("resync.status") is { } status
            ? new ErpResyncProgress(status, L(state, "resync.orders"), L(state, "resync.total"), L(state, "resync.queued"), L(state, "resync.afterId"),
                ErpSync.Time(state, "resync.startedAt"), ErpSync.Time(state, "resync.finishedAt"))
            : null;

    private static long L(IReadOnlyDictionary<string, string?> state, string name) =>
        long.TryParse(state.GetValueOrDefault(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : 0;

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);
}
