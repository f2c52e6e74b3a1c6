namespace Mall.Ordering;

/// <summary>
/// Sales figures over the order tables for the merchant's dashboard: aggregated in the database (one indexed range
/// scan per day), so the answer stays fast however many orders there are.
/// </summary>
public interface IOrderReportService
{
    /// <summary>Sales per day for the last <see cref="SalesReportQuery.Days"/> days (today included), their totals and the best-selling products.</summary>
    /// <exception cref="Common.MallValidationException">The query is out of range.</exception>
    Task<SalesReport> GetSalesAsync(SalesReportQuery query, CancellationToken cancellationToken = default);
}

/// <summary>What a <see cref="SalesReport"/> covers.</summary>
public sealed record SalesReportQuery
{
    /// <summary>Days, today included (1–90, default 30).</summary>
    public int Days { get; init; } = 30;
    /// <summary>How many best-selling products (1–50, default 10).</summary>
    public int TopProducts { get; init; } = 10;
    /// <summary>Where a day begins and ends (default UTC); e.g. China Standard Time for a mall in China.</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;
}

/// <summary>
/// Sales figures. An order counts as paid once it has been paid, whatever happened after (shipped, completed,
/// refunded, in after-sale): GMV (成交额) is what shoppers paid for, before refunds.
/// </summary>
/// <param name="Today">Today so far.</param>
/// <param name="Period">All the days of the report.</param>
/// <param name="Daily">One entry per day, oldest first.</param>
/// <param name="TopProducts">Products by paid revenue in the period, best first.</param>
public sealed record SalesReport(SalesSummary Today, SalesSummary Period, IReadOnlyList<DailySales> Daily, IReadOnlyList<ProductSales> TopProducts);

/// <summary>Totals over a span of days.</summary>
/// <param name="Gmv">Amount of paid orders.</param>
/// <param name="Orders">Orders placed.</param>
/// <param name="PaidOrders">Orders placed in the span that were paid.</param>
/// <param name="PaidConversion">Paid orders ÷ orders (0 to 1; 0 without orders).</param>
/// <param name="AverageOrderValue">GMV ÷ paid orders (0 without paid orders).</param>
public sealed record SalesSummary(decimal Gmv, long Orders, long PaidOrders, decimal PaidConversion, decimal AverageOrderValue);

/// <summary>One day of sales.</summary>
/// <param name="Date">The day, in the report's time zone.</param>
/// <param name="Gmv">Amount of paid orders placed that day.</param>
/// <param name="Orders">Orders placed.</param>
/// <param name="PaidOrders">Of those, paid.</param>
public sealed record DailySales(DateOnly Date, decimal Gmv, long Orders, long PaidOrders);

/// <summary>A product's paid sales.</summary>
/// <param name="ProductId">The product.</param>
/// <param name="Name">Its name as ordered.</param>
/// <param name="Units">Units in paid orders.</param>
/// <param name="Revenue">Line totals in paid orders (before order-level discounts).</param>
public sealed record ProductSales(long ProductId, string Name, long Units, decimal Revenue);
