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

var app = builder.Build();

app.MapMall();
app.MapMallStorefront();   // the theme-rendered storefront at /; leave it out for a headless mall

app.Lifetime.ApplicationStarted.Register(() =>
{
    foreach (var address in app.Urls)
    {
        Console.WriteLine($"Mall sample store listening on {address}");
        Console.WriteLine($"  storefront:     {address}/");
        Console.WriteLine($"  storefront API: {address}/api/v1/catalog/products");
        Console.WriteLine($"  admin API:      {address}/api/admin/catalog/products  (log in at /api/admin/auth/login as admin / mall-admin-dev)");
        Console.WriteLine($"  API docs:       {address}/swagger");
        Console.WriteLine($"  health:         {address}/health");
    }
});

app.Run();

/// <summary>Entry point, visible to integration tests.</summary>
public partial class Program;
