using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Mall.Ordering;
using Microsoft.Extensions.Logging;

namespace Mall.Plugins.ErpSync;

/// <summary>
/// Sends due pushes to the ERP (<c>erp.order.push</c>), each under its event key so a repeat changes nothing at the
/// ERP; a failure is retried with exponential backoff, for as long as it takes (an order is never dropped).
/// </summary>
public sealed class ErpPusher(ErpStore store, ErpClient client, IOrderService orders, TimeProvider clock, ILogger<ErpPusher> logger)
{
    private const int Batch = 200;

    /// <summary>After this many unreachable calls in a row, the pass stops: the ERP is down, the rest waits for its turn.</summary>
    private const int UnreachableLimit = 3;

    /// <summary>One pass; answers how many pushes were sent and how many failed.</summary>
    public async Task<(int Sent, int Failed)> RunOnceAsync(ErpSettings settings, CancellationToken cancellationToken)
    {
        var due = await store.DueAsync(clock.GetUtcNow().UtcDateTime, Batch, cancellationToken);
        int sent = 0, failed = 0, unreachable = 0;
        string? lastError = null;
        foreach (var push in due)
        {
            if (unreachable >= UnreachableLimit) break;
            var order = await orders.FindAsync(push.OrderId, null, cancellationToken);
            var started = Stopwatch.GetTimestamp();
            string? error = null;
            try
            {
                if (order is null) throw new ErpCallException($"Order {push.OrderId} no longer exists.");
                await client.CallAsync(settings, "erp.order.push", ErpOrderPayload.Build(order, push, settings), cancellationToken);
                unreachable = 0;
            }
            catch (ErpCallException ex)
            {
                error = ex.Message;
                unreachable = ex.Unreachable ? unreachable + 1 : 0;
            }
            var now = clock.GetUtcNow().UtcDateTime;
            await store.RecordAsync(push.Id, now, ErpClient.Elapsed(started), error, error is null ? null : now + Backoff(settings, push.Attempts + 1), cancellationToken);
            if (error is null) sent++;
            else
            {
                failed++;
                lastError = $"{push.EventKey}: {error}";
            }
        }
        if (failed > 0) logger.LogWarning("ERP sync: {Failed} push(es) failed, {Sent} sent; retried with backoff. Last: {Error}", failed, sent, lastError);
        var stamp = clock.GetUtcNow().UtcDateTime;
        if (sent > 0) await store.SetStatesAsync(stamp, cancellationToken, ("push.lastSuccessAt", stamp.ToString("O", CultureInfo.InvariantCulture)));
        if (lastError is not null) await store.SetStatesAsync(stamp, cancellationToken, ("push.lastError", lastError), ("push.lastErrorAt", stamp.ToString("O", CultureInfo.InvariantCulture)));
        return (sent, failed);
    }

    /// <summary>Delay before attempt <paramref name="attempt"/>+1: the base doubled per attempt, capped, with ±20% jitter so a recovered ERP is not hit all at once.</summary>
    internal static TimeSpan Backoff(ErpSettings settings, int attempt)
    {
        var seconds = Math.Min(settings.RetryMaxSeconds, settings.RetryBaseSeconds * Math.Pow(2, Math.Min(attempt - 1, 30)));
        return TimeSpan.FromSeconds(seconds * (0.8 + Random.Shared.NextDouble() * 0.4));
    }
}

/// <summary>An order event as the ERP receives it, with the store's field names.</summary>
internal static class ErpOrderPayload
{
    public static JsonObject Build(Order order, ErpPush push, ErpSettings settings)
    {
        var biz = new JsonObject();
        void Put(string field, JsonNode? value)
        {
            if (settings.Field(field) is { } name && value is not null) biz[name] = value;
        }
        static string Amount(decimal value) => value.ToString("0.00", CultureInfo.InvariantCulture);
        Put("orderNumber", order.Number);
        Put("event", ErpStore.Wire(push.Event));
        biz["event_key"] = push.EventKey;
        Put("status", order.Status.ToString());
        Put("total", Amount(order.Total));
        Put("shippingFee", Amount(order.ShippingFee));
        Put("discount", Amount(order.Discount));
        Put("occurredAt", push.CreatedAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        Put("warehouse", settings.WarehouseCode);
        if (order.ShippingAddress is { } address)
        {
            Put("receiverName", address.Receiver);
            Put("receiverPhone", address.Phone);
            Put("regionCode", address.RegionCode);
            Put("address", address.Detail);
        }
        Put("note", order.Note);
        var lines = new JsonArray();
        foreach (var line in order.Lines)
        {
            var item = new JsonObject();
            void PutLine(string field, JsonNode value)
            {
                if (settings.Field(field) is { } name) item[name] = value;
            }
            PutLine("skuCode", settings.ErpSku(line.SkuCode));
            PutLine("quantity", line.Quantity);
            PutLine("unitPrice", Amount(line.UnitPrice));
            PutLine("lineTotal", Amount(line.LineTotal - line.Discount));
            lines.Add(item);
        }
        Put("lines", lines);
        return biz;
    }
}
