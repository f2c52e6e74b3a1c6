var builder = WebApplication.CreateBuilder(args);

// Mall, configured from the "Mall" section of appsettings.json (or environment variables such as
// Mall__Database__ConnectionString), with Autofac as the root container so that plugins can load at run time.
builder.AddMall();

var app = builder.Build();

app.MapMall();              // /api/v1 (storefront API), /api/admin, /health, /openapi/v1.json, /swagger
app.MapMallStorefront();    // the theme-rendered storefront at /; leave it out for a headless mall

app.Run();
