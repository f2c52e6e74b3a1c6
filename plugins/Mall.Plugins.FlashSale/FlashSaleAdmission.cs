using System.Globalization;
using System.Text.RegularExpressions;
using Mall.Common;
using Mall.Ordering;
using Mall.Redis;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Mall.Plugins.FlashSale;

/// <summary>What an attempt got.</summary>
/// <param name="Ticket">The ticket.</param>
/// <param name="Replayed">The same attempt (key) was answered before; nothing changed now.</param>
public sealed record FlashAttemptResult(FlashTicket Ticket, bool Replayed);

/// <summary>
/// Admits shoppers. With Redis connected, one Lua script per attempt checks the window, the shopper's limit and the
/// stock, deducts, and queues the order on the item's Redis Stream, atomically (a retried attempt with the same key
/// gets its first answer and changes nothing); the request returns at once with a ticket. Without Redis, the order is
/// placed at once and the database's conditional updates decide. Either way the database's ledger is the last guard.
/// </summary>
public sealed partial class FlashSaleAdmission(FlashSaleStore store, IOrderService orders, FlashSaleMetrics metrics, TimeProvider clock, ILogger<FlashSaleAdmission> logger, MallRedis? redis = null)
{
    /// <summary>The consumer group that turns queued tickets into orders.</summary>
    public const string Group = "orders";

    // KEYS: stock, per-shopper units, attempts, tickets, stream, sequence. ARGV: customer, key, quantity, limit,
    // startsMs, endsMs, item, address. Returns {code, value}: 0 admitted (value = ticket number), 1 replay (value =
    // the first ticket), negative refusals. "stock < q" refuses, so exactly the stock is admitted and never one more.
    private const string AdmitScript = """
        local attempt = ARGV[1] .. ':' .. ARGV[2]
        local existing = redis.call('HGET', KEYS[3], attempt)
        if existing then return {1, existing} end
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        if now < tonumber(ARGV[5]) then return {-1, 'not_started'} end
        if now >= tonumber(ARGV[6]) then return {-2, 'ended'} end
        local stock = redis.call('GET', KEYS[1])
        if not stock then return {-9, 'not_primed'} end
        local q = tonumber(ARGV[3])
        local had = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
        if had + q > tonumber(ARGV[4]) then return {-3, 'limit'} end
        if tonumber(stock) < q then return {-4, 'sold_out'} end
        redis.call('DECRBY', KEYS[1], q)
        redis.call('HINCRBY', KEYS[2], ARGV[1], q)
        local n = redis.call('INCR', KEYS[6])
        redis.call('HSET', KEYS[3], attempt, n)
        redis.call('HSET', KEYS[4], n, ARGV[1] .. '|queued')
        redis.call('XADD', KEYS[5], '*', 'n', n, 'item', ARGV[7], 'customer', ARGV[1], 'quantity', q, 'key', ARGV[2], 'address', ARGV[8])
        return {0, tostring(n)}
        """;

    // KEYS: stock, per-shopper units, returned set. ARGV: ticket number, customer, quantity. Gives the units back once.
    private const string ReturnScript = """
        if redis.call('SADD', KEYS[3], ARGV[1]) == 0 then return 0 end
        redis.call('INCRBY', KEYS[1], ARGV[3])
        local left = redis.call('HINCRBY', KEYS[2], ARGV[2], -tonumber(ARGV[3]))
        if left <= 0 then redis.call('HDEL', KEYS[2], ARGV[2]) end
        return 1
        """;

    /// <summary>True while attempts go through Redis.</summary>
    public bool UsesRedis => redis?.IsConnected == true;

    /// <summary>Checks and admits (or places) one attempt of <paramref name="customerId"/> on item <paramref name="itemId"/>.</summary>
    public async Task<FlashAttemptResult> AttemptAsync(long customerId, long itemId, FlashAttemptInput input, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (string.IsNullOrEmpty(input.Key) || !KeyPattern().IsMatch(input.Key)) errors.Add("key", "is the attempt's key: 1 to 64 letters, digits, '-' or '_'.");
        if (input.AddressId is <= 0) errors.Add("addressId", "is a positive id or left out.");
        var found = await store.FindLiveItemAsync(itemId, cancellationToken);
        if (found is { } live) errors.Range("quantity", input.Quantity, 1, live.Item.PerShopperLimit);
        errors.ThrowIfAny();
        var (item, session) = found ?? throw new MallNotFoundException($"Flash-sale item {itemId} does not exist.");
        if (redis?.DatabaseOrNull is { } database)
        {
            try
            {
                return await AdmitAsync(database, customerId, item, session, input, cancellationToken);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // Redis failed under this attempt: the database decides (a Redis deduction that did happen is found
                // and corrected by the reconciliation job, since no ticket row will ever match it).
                logger.LogWarning(ex, "Flash-sale admission through Redis failed; placing the order through the database.");
            }
        }
        return await PlaceNowAsync(customerId, item, input, cancellationToken);
    }

    private async Task<FlashAttemptResult> AdmitAsync(IDatabase database, long customerId, FlashItem item, FlashSession session, FlashAttemptInput input, CancellationToken cancellationToken)
    {
        var keys = Keys(item.Id);
        for (var attempt = 0; ; attempt++)
        {
            var result = (RedisResult[])(await database.ScriptEvaluateAsync(AdmitScript,
                [keys.Stock, keys.Units, keys.Attempts, keys.Tickets, keys.Stream, keys.Sequence],
                [customerId, input.Key, input.Quantity, item.PerShopperLimit, Ms(session.StartsAt), Ms(session.EndsAt), item.Id, input.AddressId ?? 0]))!;
            var code = (int)result[0];
            var value = (string)result[1]!;
            switch (code)
            {
                case 0:
                    metrics.Admitted(input.Quantity);
                    return new FlashAttemptResult(new FlashTicket(TicketOf(item.Id, value), TicketStatus.Queued, null, null), Replayed: false);
                case 1:
                    return new FlashAttemptResult(await PollAsync(customerId, TicketOf(item.Id, value), cancellationToken) ?? new FlashTicket(TicketOf(item.Id, value), TicketStatus.Queued, null, null), Replayed: true);
                case -9 when attempt == 0:
                    await PrimeAsync(database, item, session, cancellationToken);
                    continue;
                default:
                    metrics.Refused(value);
                    throw Refusal(value, item);
            }
        }
    }

    /// <summary>The database path: the order is placed now, and the database's conditional updates admit or refuse it.</summary>
    private async Task<FlashAttemptResult> PlaceNowAsync(long customerId, FlashItem item, FlashAttemptInput input, CancellationToken cancellationToken)
    {
        try
        {
            var placed = await orders.PlaceAsync(new PlaceOrderRequest
            {
                CustomerId = customerId, Lines = [new PlaceOrderLine(item.SkuId, input.Quantity)], AddressId = input.AddressId,
                IdempotencyKey = $"flashsale-{item.Id}-{input.Key}",
                Extensions = new Dictionary<string, string>
                {
                    [FlashChoice.ItemKey] = item.Id.ToString(CultureInfo.InvariantCulture), [FlashChoice.AttemptKey] = input.Key!,
                },
            }, cancellationToken);
            if (!placed.Replayed) metrics.Admitted(input.Quantity);
            return new FlashAttemptResult(new FlashTicket("db-" + placed.Order.Id.ToString(CultureInfo.InvariantCulture), TicketStatus.Ordered, placed.Order.Id, null), placed.Replayed);
        }
        catch (MallConflictException ex)
        {
            metrics.Refused(ex.Code ?? "conflict");
            throw;
        }
    }

    /// <summary>A ticket of <paramref name="customerId"/>: from the database once its order was placed (or failed), else from Redis while queued; null when unknown.</summary>
    public async Task<FlashTicket?> PollAsync(long customerId, string ticket, CancellationToken cancellationToken)
    {
        if (await store.FindTicketAsync(ticket, cancellationToken) is { } row)
            return row.CustomerId == customerId ? new FlashTicket(row.Ticket, row.Status, row.OrderId, row.Error) : null;
        if (!TryParse(ticket, out var itemId, out var number) || redis?.DatabaseOrNull is not { } database) return null;
        var value = (string?)await database.HashGetAsync(Keys(itemId).Tickets, number);
        if (value is null) return null;
        var parts = value.Split('|');
        if (parts[0] != customerId.ToString(CultureInfo.InvariantCulture)) return null;
        return parts[1] switch
        {
            "ordered" => new FlashTicket(ticket, TicketStatus.Ordered, long.Parse(parts[2], CultureInfo.InvariantCulture), null),
            "failed" => new FlashTicket(ticket, TicketStatus.Failed, null, parts.Length > 2 ? parts[2] : null),
            _ => new FlashTicket(ticket, TicketStatus.Queued, null, null),
        };
    }

    /// <summary>Gives a ticket's units back to Redis (once, whoever calls), and marks the ticket; false when Redis is not there or they were back already.</summary>
    public async Task<bool> ReturnAsync(TicketRow ticket, CancellationToken cancellationToken)
    {
        if (redis?.DatabaseOrNull is not { } database || !TryParse(ticket.Ticket, out var itemId, out var number)) return false;
        var keys = Keys(itemId);
        var returned = (int)await database.ScriptEvaluateAsync(ReturnScript, [keys.Stock, keys.Units, keys.Returned], [number, ticket.CustomerId, ticket.Quantity]);
        await store.MarkReturnedAsync(ticket.Id, cancellationToken);
        return returned == 1;
    }

    /// <summary>
    /// Loads an item into Redis from the database (its first attempt, or after Redis lost its data): the units the
    /// database has not sold or reserved, each shopper's units, and the stream's consumer group.
    /// </summary>
    internal async Task PrimeAsync(IDatabase database, FlashItem item, FlashSession session, CancellationToken cancellationToken)
    {
        var keys = Keys(item.Id);
        var counts = await store.CountsAsync(item.Id, cancellationToken) ?? item;
        var keep = session.EndsAt - clock.GetUtcNow().UtcDateTime + TimeSpan.FromDays(7);
        if (!await database.StringSetAsync(keys.Stock, counts.Available, keep, When.NotExists)) return;
        foreach (var (customer, units) in await store.QuotasAsync(item.Id, cancellationToken))
            await database.HashSetAsync(keys.Units, customer, units);
        await EnsureGroupAsync(database, keys.Stream);
        foreach (var key in new[] { keys.Units, keys.Attempts, keys.Tickets, keys.Stream, keys.Sequence, keys.Returned })
            await database.KeyExpireAsync(key, keep);
        logger.LogInformation("Flash-sale item {Item} loaded into Redis with {Available} unit(s).", item.Id, counts.Available);
    }

    internal static async Task EnsureGroupAsync(IDatabase database, RedisKey stream)
    {
        try
        {
            await database.StreamCreateConsumerGroupAsync(stream, Group, "0-0", createStream: true);
        }
        catch (RedisServerException ex) when (ex.Message.Contains("BUSYGROUP", StringComparison.Ordinal))
        {
        }
    }

    /// <summary>The Redis keys of an item: one hash slot (the item id in braces), so the scripts also run on a cluster.</summary>
    internal ItemKeys Keys(long itemId)
    {
        var prefix = $"flashsale:{{{itemId.ToString(CultureInfo.InvariantCulture)}}}:";
        RedisKey Key(string name) => redis!.Key(prefix + name);
        return new ItemKeys(Key("stock"), Key("units"), Key("attempts"), Key("tickets"), Key("orders"), Key("seq"), Key("returned"));
    }

    internal MallRedis? Redis => redis;

    internal static string TicketOf(long itemId, string number) => itemId.ToString(CultureInfo.InvariantCulture) + "-" + number;

    internal static bool TryParse(string ticket, out long itemId, out long number)
    {
        var dash = ticket.IndexOf('-', StringComparison.Ordinal);
        number = 0;
        itemId = 0;
        return dash > 0 && long.TryParse(ticket.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out itemId)
            && long.TryParse(ticket.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out number);
    }

    private static long Ms(DateTime utc) => new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)).ToUnixTimeMilliseconds();

    private static MallConflictException Refusal(string reason, FlashItem item) => reason switch
    {
        "not_started" => new MallConflictException("The flash sale has not started.") { Code = "flashsale.not_started" },
        "ended" => new MallConflictException("The flash sale has ended.") { Code = "flashsale.ended" },
        "limit" => new MallConflictException($"At most {item.PerShopperLimit} per shopper in this flash sale.") { Code = "flashsale.limit" },
        _ => new MallConflictException("The flash sale is sold out.") { Code = "flashsale.sold_out" },
    };

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex KeyPattern();
}

/// <summary>The Redis keys of one item.</summary>
internal readonly record struct ItemKeys(RedisKey Stock, RedisKey Units, RedisKey Attempts, RedisKey Tickets, RedisKey Stream, RedisKey Sequence, RedisKey Returned);
