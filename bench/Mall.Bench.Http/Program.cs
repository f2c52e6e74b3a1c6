using Mall.Bench.Http;

// Configuration comes from the environment: Mall__Database__Provider, Mall__Database__ConnectionString,
// BENCH_PRODUCTS (how many products to seed), ASPNETCORE_URLS.
var builder = WebApplication.CreateBuilder(args);
builder.Logging.ClearProviders();
// Redis when Mall__Redis__Configuration is set (the flash-sale run and the two-node catalog run).
builder.AddMall().AddMySql().AddPostgreSql().AddRedis();
builder.Services.AddSingleton<RawProductEndpoint>();

var app = builder.Build();

await BenchCatalogSeeder.SeedAsync(app.Services, builder.Configuration.GetValue("BENCH_PRODUCTS", 1000));

// Baselines: the cheapest possible endpoints of the same host.
app.MapGet("/plaintext", () => Results.Text("Hello, World!"));
app.MapGet("/json", () => Results.Json(new { message = "Hello, World!" }));
app.MapGet("/raw/products/{id:long}", (long id, RawProductEndpoint raw, CancellationToken ct) => raw.GetAsync(id, ct));
// Bench only (bench/run-flashsale.sh): shoppers and their bearer tokens, one per line.
app.MapPost("/bench/shoppers", async (int count, IServiceProvider services) => Results.Text(await BenchShoppers.CreateAsync(services, count)));
app.MapMall();
app.MapMallStorefront();   // theme-rendered pages (bench/run-storefront.sh)

app.Run();
