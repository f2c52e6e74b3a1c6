using System.Net;
using Mall.Web.Tests.Scale;

namespace Mall.Web.Tests.Hosting;

/// <summary>The sample store exports Mall's meters for Prometheus at /metrics, with the figures an operator watches.</summary>
public class MetricsTests
{
    [Fact]
    public async Task Orders_checkouts_cache_reads_and_job_runs_show_up_on_the_Prometheus_endpoint()
    {
        await using var app = await MallApp.StartAsync("Sqlite");
        var (productId, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 1, price: 3m);
        await CatalogApiTests.GetJsonAsync(app.Anonymous, $"/api/v1/catalog/products/{productId}");
        await CatalogApiTests.GetJsonAsync(app.Anonymous, $"/api/v1/catalog/products/{productId}");
        using var shopper = await app.ShopperAsync("13800000201");
        using (var order = ShopperFlowTests.OrderRequest(skuId, 1, "metrics-1"))
            Assert.Equal(HttpStatusCode.Created, (await shopper.SendAsync(order)).StatusCode);
        using (var refused = ShopperFlowTests.OrderRequest(skuId, 1, "metrics-2"))
            Assert.Equal(HttpStatusCode.Conflict, (await shopper.SendAsync(refused)).StatusCode);   // sold out

        string text = "";
        Assert.NotNull(await TwoNodeTests.WithinAsync(TimeSpan.FromSeconds(10), async () =>
        {
            text = await app.Anonymous.GetStringAsync("/metrics");
            return text.Contains("mall_orders_placed", StringComparison.Ordinal) && text.Contains("mall_orders_failed", StringComparison.Ordinal)
                && text.Contains("mall_jobs_runs", StringComparison.Ordinal);
        }));
        Assert.Contains("mall_checkout_duration_seconds_bucket", text, StringComparison.Ordinal);
        Assert.Contains("mall_cache_hits", text, StringComparison.Ordinal);
        Assert.Contains("mall_cache_misses", text, StringComparison.Ordinal);
        Assert.Contains("reason=\"stock.insufficient\"", text, StringComparison.Ordinal);
        Assert.Contains("job=\"ordering.payment-timeout\"", text, StringComparison.Ordinal);
    }
}
