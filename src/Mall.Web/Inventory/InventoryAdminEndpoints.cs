using Mall.Common;
using Mall.Inventory;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Mall.Web.Inventory;

/// <summary>Admin inventory API: stock levels, adjustments, thresholds, the ledger, reservations.</summary>
internal static class InventoryAdminEndpoints
{
    public static void MapInventoryAdmin(this RouteGroupBuilder group)
    {
        var inventory = group.MapGroup("/inventory");

        inventory.MapGet("/skus/{skuId:long}", (long skuId, IInventoryService s, CancellationToken ct) => s.GetAsync(skuId, ct));
        inventory.MapPost("/skus/{skuId:long}/adjustments", (long skuId, StockAdjustmentRequest body, IInventoryService s, CancellationToken ct) =>
            s.AdjustAsync(new StockAdjustment(skuId, body.Delta, body.Reason ?? "", body.Reference ?? ""), ct));
        inventory.MapPut("/skus/{skuId:long}/low-stock-threshold", (long skuId, LowStockThresholdRequest body, IInventoryService s, CancellationToken ct) =>
            s.SetLowStockThresholdAsync(skuId, body.Threshold, ct));
        inventory.MapGet("/skus/{skuId:long}/movements", (long skuId, int? page, int? pageSize, IInventoryService s, CancellationToken ct) =>
            s.GetMovementsAsync(skuId, page ?? 1, pageSize ?? 20, ct));
        inventory.MapGet("/reservations/{reference}", async (string reference, IInventoryService s, CancellationToken ct) =>
            await s.FindReservationAsync(reference, ct) ?? throw new MallNotFoundException($"No stock reservation with reference '{reference}'."));
    }
}

/// <summary>Body of a stock adjustment.</summary>
/// <param name="Delta">Units to add (positive) or remove (negative).</param>
/// <param name="Reason">Why.</param>
/// <param name="Reference">Idempotency key: a retried request with the same key applies once.</param>
internal sealed record StockAdjustmentRequest(long Delta, string? Reason, string? Reference);

/// <summary>Body of a low-stock threshold change.</summary>
internal sealed record LowStockThresholdRequest(int Threshold);
