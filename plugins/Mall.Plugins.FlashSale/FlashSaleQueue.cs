using System.Diagnostics.Metrics;
using System.Globalization;
using Mall.Clustering;
using Mall.Common;
using Mall.Jobs;
using Mall.Ordering;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Mall.Plugins.FlashSale;

/// <summary>The plugin's settings (<c>PUT /api/admin/plugins/Mall.Plugins.FlashSale/settings</c>).</summary>
public sealed class FlashSaleSettings
{
    /// <summary>Orders each node places from the queue at a time (default 4, 1 to 64): the database's share of the peak.</summary>
    public int QueueParallelism { get; set; } = 4;
}

/// <summary>The plugin's meters (meter <c>Mall.FlashSale</c>): units admitted, attempts refused by reason, tickets queued and ordered.</summary>
public sealed class FlashSaleMetrics
{
    private readonly Counter<long> _admitted;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _ordered;
    private readonly Counter<long> _failed;

    /// <summary>Creates the instruments.</summary>
    public FlashSaleMetrics(IMeterFactory meters)
    {
        var meter = meters.Create("Mall.FlashSale");
        _admitted = meter.CreateCounter<long>("mall.flashsale.admitted", "{unit}", "Units admitted (queued on Redis, or ordered at once without it).");
        _refused = meter.CreateCounter<long>("mall.flashsale.refused", "{attempt}", "Attempts refused, by reason (sold_out, limit, not_started, ended).");
        _ordered = meter.CreateCounter<long>("mall.flashsale.queue.ordered", "{ticket}", "Queued tickets whose order was placed.");
        _failed = meter.CreateCounter<long>("mall.flashsale.queue.failed", "{ticket}", "Queued tickets whose order could not be placed (units returned).");
    }

    internal void Admitted(int units) => _admitted.Add(units);

    internal void Refused(string reason) => _refused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    internal void Ordered() => _ordered.Add(1);

    internal void Failed() => _failed.Add(1);
}

/// <summary>
/// Turns queued tickets into orders on every node (one consumer per node in the items' consumer group), a few at a
/// time (<see cref="FlashSaleSettings.QueueParallelism"/>), so the database sees a steady stream however sharp the peak. An entry is acknowledged once its order is
/// placed or its failure recorded (units returned); one left unacknowledged by a node that died is claimed by
/// another after <see cref="ClaimAfter"/>. Placing is idempotent per ticket, so an entry handled twice orders once.
/// </summary>
public sealed class FlashSaleQueue(FlashSaleStore store, FlashSaleAdmission admission, IOrderService orders, FlashSaleMetrics metrics, IClusterBus bus,
    Mall.Plugins.IPluginSettings settings, ILogger<FlashSaleQueue> logger) : BackgroundService
{
    /// <summary>An entry unacknowledged this long by its consumer is taken over.</summary>
    public static readonly TimeSpan ClaimAfter = TimeSpan.FromSeconds(15);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lastClaim = DateTime.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            var worked = false;
            try
            {
                if (admission.Redis?.DatabaseOrNull is { } database)
                {
                    var claim = DateTime.UtcNow - lastClaim > TimeSpan.FromSeconds(5);
                    if (claim) lastClaim = DateTime.UtcNow;
                    foreach (var (item, _) in await store.RecentItemsAsync(stoppingToken))
                    {
                        var stream = admission.Keys(item.Id).Stream;
                        if (!await database.KeyExistsAsync(stream)) continue;
                        var entries = await database.StreamReadGroupAsync(stream, FlashSaleAdmission.Group, bus.NodeId, ">", count: 64);
                        if (claim)
                        {
                            var claimed = await database.StreamAutoClaimAsync(stream, FlashSaleAdmission.Group, bus.NodeId, (long)ClaimAfter.TotalMilliseconds, "0-0", 64);
                            entries = [.. entries, .. claimed.ClaimedEntries];
                        }
                        if (entries.Length == 0) continue;
                        worked = true;
                        // How hard the queue presses on the database, per node: the peak is shaved to this many orders at a time.
                        var parallelism = Math.Clamp(settings.Get<FlashSaleSettings>().QueueParallelism, 1, 64);
                        await Parallel.ForEachAsync(entries, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = stoppingToken },
                            async (entry, ct) => await ProcessAsync(database, stream, entry, ct));
                    }
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Reading the flash-sale queue failed; trying again shortly.");
            }
            if (!worked)
            {
                try
                {
                    await Task.Delay(50, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task ProcessAsync(IDatabase database, RedisKey stream, StreamEntry entry, CancellationToken cancellationToken)
    {
        string Field(string name) => (string?)entry[name] ?? throw new InvalidOperationException($"Queue entry {entry.Id} has no {name}.");
        var itemId = long.Parse(Field("item"), CultureInfo.InvariantCulture);
        var number = Field("n");
        var ticket = FlashSaleAdmission.TicketOf(itemId, number);
        var customerId = long.Parse(Field("customer"), CultureInfo.InvariantCulture);
        var quantity = int.Parse(Field("quantity"), CultureInfo.InvariantCulture);
        var address = long.Parse(Field("address"), CultureInfo.InvariantCulture);
        var key = Field("key");
        var keys = admission.Keys(itemId);
        try
        {
            var (item, _) = await store.FindLiveItemAsync(itemId, cancellationToken) ?? throw new MallNotFoundException($"Flash-sale item {itemId} does not exist.");
            var placed = await orders.PlaceAsync(new PlaceOrderRequest
            {
                CustomerId = customerId, Lines = [new PlaceOrderLine(item.SkuId, quantity)], AddressId = address > 0 ? address : null,
                IdempotencyKey = "flashsale-" + ticket,
                Extensions = new Dictionary<string, string>
                {
                    [FlashChoice.ItemKey] = itemId.ToString(CultureInfo.InvariantCulture), [FlashChoice.TicketKey] = ticket, [FlashChoice.AttemptKey] = key,
                },
            }, cancellationToken);
            await database.HashSetAsync(keys.Tickets, number, $"{customerId}|ordered|{placed.Order.Id}");
            if (!placed.Replayed) metrics.Ordered();
        }
        catch (MallException ex)
        {
            // The order was refused (the database's guard, an address that is not the shopper's…): the ticket fails
            // and its units go back, once.
            await store.RecordFailedAsync(ticket, itemId, customerId, key, quantity, ex.Message, cancellationToken);
            if (await store.FindTicketAsync(ticket, cancellationToken) is { Status: TicketStatus.Failed } row) await admission.ReturnAsync(row, cancellationToken);
            await database.HashSetAsync(keys.Tickets, number, $"{customerId}|failed|{ex.Message}");
            metrics.Failed();
            logger.LogInformation("Flash-sale ticket {Ticket} failed: {Reason}", ticket, ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The database or Redis is away: left unacknowledged, tried again (here or on another node).
            logger.LogWarning(ex, "Flash-sale ticket {Ticket} could not be handled now; it stays queued.", ticket);
            return;
        }
        await database.StreamAcknowledgeAsync(stream, FlashSaleAdmission.Group, entry.Id);
    }
}

/// <summary>
/// Compares Redis with the database every few seconds on one node and repairs drift a crash left: units given back in
/// the database (cancelled or failed tickets) but not in Redis are returned; when an item's queue is quiet, Redis's
/// available count is set to what the database says (flash stock − sold − reserved). Logs every change it makes.
/// </summary>
public sealed class FlashSaleReconciler(FlashSaleStore store, FlashSaleAdmission admission, IJobLeases leases, TimeProvider clock, ILogger<FlashSaleReconciler> logger)
    : MallJob(leases, clock, logger)
{
    // KEYS: stream, returned set, stock. Returns {quiet (1/0), stream length, returned count, stock or -1}.
    private const string StateScript = """
        local quiet = 1
        local ok, groups = pcall(redis.call, 'XINFO', 'GROUPS', KEYS[1])
        if not ok then return {0, 0, 0, -1} end
        for _, g in ipairs(groups) do
          local name, pending, lag
          for i = 1, #g, 2 do
            if g[i] == 'name' then name = g[i + 1] elseif g[i] == 'pending' then pending = g[i + 1] elseif g[i] == 'lag' then lag = g[i + 1] end
          end
          if name == 'orders' and (pending ~= 0 or lag ~= 0) then quiet = 0 end
        end
        local stock = redis.call('GET', KEYS[3])
        return {quiet, redis.call('XLEN', KEYS[1]), redis.call('SCARD', KEYS[2]), stock and tonumber(stock) or -1}
        """;

    // KEYS: stream, returned set, stock. ARGV: stream length, returned count, stock seen, stock to set. Sets it only
    // when nothing moved since the state was read (no attempt, no return, nothing pending).
    private const string RepairScript = """
        local ok, groups = pcall(redis.call, 'XINFO', 'GROUPS', KEYS[1])
        if not ok then return 0 end
        for _, g in ipairs(groups) do
          local name, pending, lag
          for i = 1, #g, 2 do
            if g[i] == 'name' then name = g[i + 1] elseif g[i] == 'pending' then pending = g[i + 1] elseif g[i] == 'lag' then lag = g[i + 1] end
          end
          if name == 'orders' and (pending ~= 0 or lag ~= 0) then return 0 end
        end
        if redis.call('XLEN', KEYS[1]) ~= tonumber(ARGV[1]) or redis.call('SCARD', KEYS[2]) ~= tonumber(ARGV[2]) then return 0 end
        if tonumber(redis.call('GET', KEYS[3]) or '-1') ~= tonumber(ARGV[3]) then return 0 end
        redis.call('SET', KEYS[3], ARGV[4], 'KEEPTTL')
        return 1
        """;

    /// <summary>The job's lease name.</summary>
    public const string JobName = "Mall.Plugins.FlashSale.reconcile";

    /// <inheritdoc />
    public override string Name => JobName;

    /// <inheritdoc />
    protected override TimeSpan Interval => TimeSpan.FromSeconds(5);

    /// <inheritdoc />
    protected override async Task RunOnceAsync(CancellationToken cancellationToken) => await ReconcileAsync(cancellationToken);

    /// <summary>One pass (also the admin API's "reconcile now"); returns what it changed, one line per change.</summary>
    public async Task<IReadOnlyList<string>> ReconcileAsync(CancellationToken cancellationToken)
    {
        var changes = new List<string>();
        if (admission.Redis?.DatabaseOrNull is not { } database) return changes;
        foreach (var (item, _) in await store.RecentItemsAsync(cancellationToken))
        {
            foreach (var ticket in await store.UnreturnedAsync(item.Id, cancellationToken))
                if (await admission.ReturnAsync(ticket, cancellationToken))
                    changes.Add($"item {item.Id}: {ticket.Quantity} unit(s) of ticket {ticket.Ticket} ({ticket.Status}) returned to Redis");
            var keys = admission.Keys(item.Id);
            var state = (RedisResult[])(await database.ScriptEvaluateAsync(StateScript, [keys.Stream, keys.Returned, keys.Stock]))!;
            var stock = (long)state[3];
            if ((int)state[0] != 1 || stock < 0) continue;
            var counts = await store.CountsAsync(item.Id, cancellationToken);
            if (counts is null || counts.Available == stock) continue;
            var repaired = (int)await database.ScriptEvaluateAsync(RepairScript, [keys.Stream, keys.Returned, keys.Stock], [(long)state[1], (long)state[2], stock, counts.Available]);
            if (repaired == 1) changes.Add($"item {item.Id}: Redis said {stock} unit(s) available, the database {counts.Available} (flash stock {counts.FlashStock}, sold {counts.Sold}, reserved {counts.Reserved}); set to {counts.Available}");
        }
        foreach (var change in changes) Logger.LogWarning("Flash-sale reconciliation: {Change}", change);
        return changes;
    }
}
