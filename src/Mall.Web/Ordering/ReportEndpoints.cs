using Mall.Catalog;
using Mall.Common;
using Mall.Inventory;
using Mall.Ordering;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Mall.Web.Ordering;

/// <summary>Admin reports (<c>/api/admin/reports</c>): the merchant console's dashboard.</summary>
internal static class ReportEndpoints
{
    public static void MapReportAdmin(this RouteGroupBuilder group)
    {
        var reports = group.MapGroup("/reports").WithTags("Admin: reports");
        reports.MapGet("/dashboard", async (string? timeZone, IOrderReportService sales, IInventoryService inventory, IProductService products, CancellationToken ct) =>
            {
                var zone = TimeZoneInfo.Utc;
                if (!string.IsNullOrWhiteSpace(timeZone) && !TimeZoneInfo.TryFindSystemTimeZoneById(timeZone.Trim(), out zone))
                    throw new MallValidationException("timeZone", $"'{timeZone}' is not a known time zone; use an IANA id such as Asia/Shanghai.");
                var report = await sales.GetSalesAsync(new SalesReportQuery { Days = 30, TopProducts = 10, TimeZone = zone! }, ct);
                var low = await inventory.ListLowStockAsync(20, ct);
                var skus = low.Count == 0 ? new Dictionary<long, CatalogSku>() : await products.GetSkusAsync(low.Select(l => l.SkuId).ToList(), null, ct);
                return new DashboardReport(report.Today, report.Period, report.Daily, report.TopProducts,
                    low.Select(l => new LowStockSku(l.SkuId, skus.GetValueOrDefault(l.SkuId)?.ProductId, skus.GetValueOrDefault(l.SkuId)?.ProductName ?? "",
                        skus.GetValueOrDefault(l.SkuId)?.Code ?? "", l.Available, l.LowStockThreshold)).ToList());
            })
            .WithSummary("Today's and the last 30 days' GMV, orders, paid conversion and average order value, sales per day, top products and low-stock SKUs; days begin in ?timeZone= (IANA id, default UTC).");
    }
}

/// <summary>The merchant console's dashboard.</summary>
/// <param name="Today">Today so far.</param>
/// <param name="Last30Days">The last 30 days, today included.</param>
/// <param name="Daily">Sales per day, oldest first.</param>
/// <param name="TopProducts">Best-selling products of the 30 days by paid revenue.</param>
/// <param name="LowStock">SKUs at or below their low-stock threshold, fewest available first (at most 20).</param>
internal sealed record DashboardReport(SalesSummary Today, SalesSummary Last30Days, IReadOnlyList<DailySales> Daily, IReadOnlyList<ProductSales> TopProducts,
    IReadOnlyList<LowStockSku> LowStock);

/// <summary>A SKU running low.</summary>
/// <param name="SkuId">The SKU.</param>
/// <param name="ProductId">Its product (null when the SKU is gone from the catalog).</param>
/// <param name="ProductName">Its product's name.</param>
/// <param name="SkuCode">Its code.</param>
/// <param name="Available">Units available.</param>
/// <param name="Threshold">Its low-stock threshold.</param>
internal sealed record LowStockSku(long SkuId, long? ProductId, string ProductName, string SkuCode, long Available, int Threshold);
