using System.Globalization;
using System.Text;
using Dapper;
using Mall.Common;
using Mall.Data;

namespace Mall.Ordering.Services;

/// <summary>Default <see cref="IOrderReportService"/>: portable SQL over <c>mall_order</c> and its lines.</summary>
internal sealed class OrderReportService(IMallDatabase database, TimeProvider clock) : IOrderReportService
{
    /// <inheritdoc />
    public async Task<SalesReport> GetSalesAsync(SalesReportQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var errors = new ValidationErrors();
        errors.Range("days", query.Days, 1, 90);
        errors.Range("topProducts", query.TopProducts, 1, 50);
        errors.ThrowIfAny();
        var zone = query.TimeZone ?? TimeZoneInfo.Utc;
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(clock.GetUtcNow(), zone).DateTime);
        var first = today.AddDays(1 - query.Days);
        // Day k is [start of day k, start of day k+1) in the zone, in UTC as the columns hold it; no date function is
        // needed, so the same SQL runs everywhere and each day is a range scan of ix_mall_order_created.
        var bounds = new DateTime[query.Days + 1];
        for (var k = 0; k <= query.Days; k++) bounds[k] = StartOfDay(first.AddDays(k), zone);
        var parameters = new DynamicParameters(new { pending = (short)OrderStatus.PendingPayment, cancelled = (short)OrderStatus.Cancelled });
        for (var k = 0; k <= query.Days; k++) parameters.Add("d" + k.ToString(CultureInfo.InvariantCulture), bounds[k]);
        var sql = new StringBuilder();
        for (var k = 0; k < query.Days; k++)
        {
            if (k > 0) sql.Append(" UNION ALL ");
            sql.Append(CultureInfo.InvariantCulture,
                $"SELECT {k} AS Day, COUNT(*) AS Orders, COALESCE(SUM(CASE WHEN status NOT IN (@pending, @cancelled) THEN 1 ELSE 0 END), 0) AS PaidOrders, " +
                $"COALESCE(SUM(CASE WHEN status NOT IN (@pending, @cancelled) THEN total ELSE 0 END), 0) AS Gmv FROM mall_order WHERE created_at >= @d{k} AND created_at < @d{k + 1}");
        }
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = (await connection.QueryAsync<DayRow>(new CommandDefinition(sql.ToString(), parameters, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .ToDictionary(r => (int)r.Day);
        var daily = new DailySales[query.Days];
        for (var k = 0; k < query.Days; k++)
        {
            var row = rows.GetValueOrDefault(k);
            daily[k] = new DailySales(first.AddDays(k), Money.FromCents(row?.Gmv ?? 0), row?.Orders ?? 0, row?.PaidOrders ?? 0);
        }
        parameters.Add("take", query.TopProducts);
        var top = await connection.QueryAsync<TopRow>(new CommandDefinition(
            "SELECT l.product_id AS ProductId, MAX(l.product_name) AS Name, SUM(l.quantity) AS Units, SUM(l.line_total) AS Revenue " +
            "FROM mall_order o JOIN mall_order_line l ON l.order_id = o.id " +
            $"WHERE o.created_at >= @d0 AND o.created_at < @d{query.Days} AND o.status NOT IN (@pending, @cancelled) " +
            $"GROUP BY l.product_id ORDER BY SUM(l.line_total) DESC, l.product_id {database.Dialect.Page("0", "@take")}",
            parameters, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new SalesReport(Summarize(daily.AsSpan(query.Days - 1)), Summarize(daily), daily,
            top.Select(t => new ProductSales(t.ProductId, t.Name, t.Units, Money.FromCents(t.Revenue))).ToList());
    }

    private static DateTime StartOfDay(DateOnly day, TimeZoneInfo zone)
    {
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        // A day that starts in a daylight-saving gap starts at the first valid minute after it.
        while (zone.IsInvalidTime(local)) local = local.AddMinutes(30);
        return TimeZoneInfo.ConvertTimeToUtc(local, zone);
    }

    private static SalesSummary Summarize(ReadOnlySpan<DailySales> days)
    {
        decimal gmv = 0;
        long orders = 0, paid = 0;
        foreach (var day in days) { gmv += day.Gmv; orders += day.Orders; paid += day.PaidOrders; }
        return new SalesSummary(gmv, orders, paid, orders == 0 ? 0 : decimal.Round((decimal)paid / orders, 4), paid == 0 ? 0 : decimal.Round(gmv / paid, 2));
    }

    private sealed class DayRow
    {
        public long Day { get; set; }
        public long Orders { get; set; }
        public long PaidOrders { get; set; }
        public long Gmv { get; set; }
    }

    private sealed class TopRow
    {
        public long ProductId { get; set; }
        public string Name { get; set; } = "";
        public long Units { get; set; }
        public long Revenue { get; set; }
    }
}
