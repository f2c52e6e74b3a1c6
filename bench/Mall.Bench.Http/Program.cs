using Mall.Bench.Http;

// Configuration comes from the environment: Mall__Database__Provider, Mall__Database__ConnectionString,
// BENCH_PRODUCTS (how many products to seed), ASPNETCORE_URLS.
var builder = WebApplication.CreateBuilder(args);
builder.Logging.ClearProviders();
builder.AddMall().AddMySql().AddPostgreSql();
builder.Services.AddSingleton<RawProductEndpoint>();

var app = builder.Build();

await BenchCatalogSeeder.SeedAsync(app.Services, builder.Configuration.GetValue("BENCH_PRODUCTS", 1000));

// Baselines: the cheapest possible endpoints of the same host.
app.MapGet("/plaintext", () => Results.Text("Hello, World!"));
app.MapGet("/json", () => Results.Json(new { message = "Hello, World!" }));
app.MapGet("/raw/products/{id:long}", (long id, RawProductEndpoint raw, CancellationToken ct) => raw.GetAsync(id, ct));
app.MapMall();
app.MapMallStorefront();   // theme-rendered pages (bench/run-storefront.sh)

app.Run();
