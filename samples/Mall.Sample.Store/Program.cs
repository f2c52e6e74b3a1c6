using OpenTelemetry.Metrics;

var builder = WebApplication.CreateBuilder(args);

// Everything Mall needs, configured from the "Mall" section of appsettings.json (or environment variables such as
// Mall__Database__Provider=PostgreSql and Mall__Database__ConnectionString=...), with Autofac as the root container
// (hot plugins are child scopes of it). SQLite is built in; MySQL/MariaDB and PostgreSQL come from their packages.
// Redis is used when Mall:Redis:Configuration is set (e.g. Mall__Redis__Configuration=127.0.0.1:6379): then several
// nodes of this store share caches and hear each other's changes; unset, the store runs as one node, in memory.
builder.AddMall()
    .AddMySql()
    .AddPostgreSql()
    .AddRedis();

// Mall's meters (orders, checkout, payments, caches, plugins, jobs; the flash sale's) and ASP.NET Core's own, for
// Prometheus to scrape at /metrics. See docs/operations.md for what each means and what to alert on.
builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
    .AddMeter(Mall.Diagnostics.MallMetrics.MeterName, "Mall.FlashSale", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
    .AddPrometheusExporter());

var app = builder.Build();

app.MapMall();
app.MapPrometheusScrapingEndpoint();   // GET /metrics (keep it off the public internet: bind it to an internal port or a proxy rule)
app.MapMallAdmin();        // the merchant console at /admin
app.MapMallStorefront();   // the theme-rendered storefront at /; leave it out for a headless mall

app.Lifetime.ApplicationStarted.Register(() =>
{
    foreach (var address in app.Urls)
    {
        Console.WriteLine($"Mall sample store listening on {address}");
        Console.WriteLine($"  storefront:     {address}/");
        Console.WriteLine($"  storefront API: {address}/api/v1/catalog/products");
        Console.WriteLine($"  console:        {address}/admin  (sign in as admin / mall-admin-dev)");
        Console.WriteLine($"  admin API:      {address}/api/admin/catalog/products  (log in at /api/admin/auth/login as admin / mall-admin-dev)");
        Console.WriteLine($"  API docs:       {address}/swagger");
        Console.WriteLine($"  health:         {address}/health");
        Console.WriteLine($"  metrics:        {address}/metrics  (Prometheus)");
    }
});

app.Run();

/// <summary>Entry point, visible to integration tests.</summary>
public partial class Program;
