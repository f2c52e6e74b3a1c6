using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mall.Web.Tests.Hosting;

/// <summary>Host composition as an app sees it: options validated at start-up, the builder AddMall returns, MapMall's conventions.</summary>
public class MallHostingTests
{
    [Theory]
    [InlineData("Mall:Themes:MaxRenderSteps", "0", "Mall:Themes:MaxRenderSteps must be positive")]
    [InlineData("Mall:Ordering:PaymentTimeout", "-00:01:00", "Mall:Ordering:PaymentTimeout must be positive")]
    [InlineData("Mall:Currency", "rmb", "Mall:Currency must be an ISO 4217 code")]
    [InlineData("Mall:Themes:DefaultCulture", "xx-NOPE", "Mall:Themes:DefaultCulture must be a culture name")]
    [InlineData("Mall:Admin:InitialUserName", "owner", "Mall:Admin:InitialPassword and Mall:Admin:InitialUserName must be set together")]
    [InlineData("Mall:PublicBaseUrl", "shop.example.com", "Mall:PublicBaseUrl must be an absolute http(s) URL")]
    public async Task A_setting_Mall_cannot_run_with_stops_start_up_with_a_message_naming_it(string setting, string value, string message)
    {
        await using var app = Build(new Dictionary<string, string?> { [setting] = value }, out _);
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync());
        // The first service that reads the options meets the validation failure (the container wraps it on its way out).
        var validation = Innermost<OptionsValidationException>(failure);
        Assert.True(validation is not null, failure.ToString());
        Assert.Contains(message, validation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_database_provider_that_is_not_registered_stops_start_up_naming_its_package_and_the_builder_call()
    {
        await using var app = Build(new Dictionary<string, string?> { ["Mall:Database:Provider"] = "PostgreSql" }, out _);
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync());
        Assert.Contains("Mall.Data.PostgreSql", failure.ToString(), StringComparison.Ordinal);
        Assert.Contains(".AddPostgreSql()", failure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Conventions_given_to_MapMall_reach_every_endpoint_Mall_maps()
    {
        await using var app = Build(new Dictionary<string, string?>(), out var work);
        app.MapMall().RequireHost("shop.example");
        await app.StartAsync();
        using var client = app.GetTestClient();
        // Another host: none of Mall's endpoints match (storefront API, admin API, health, OpenAPI).
        foreach (var path in new[] { "/health", "/api/v1/catalog/products", "/api/admin/catalog/products", "/openapi/v1.json" })
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(path)).StatusCode);
        client.DefaultRequestHeaders.Host = "shop.example";
        foreach (var path in new[] { "/health", "/api/v1/catalog/products", "/openapi/v1.json" })
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/admin/catalog/products")).StatusCode);
        await app.StopAsync();
        work.Delete(recursive: true);
    }

    [Fact]
    public async Task Extensions_registered_on_the_builder_AddMall_returns_are_what_the_core_looks_up()
    {
        await using var app = Build(new Dictionary<string, string?>(), out var work, mall => mall
            .AddShippingRateProvider<FlatRate>()
            .AddShippingRateProvider<FlatRate>()   // once, however often it is added
            .AddDomainEventHandler<Mall.Ordering.OrderPlacedEvent, OrderPlacedCounter>()
            .Configure(o => o.Currency = "HKD"));
        await app.StartAsync();
        var extensions = app.Services.GetRequiredService<Mall.Plugins.IExtensionRegistry>();
        using (var rates = extensions.Acquire<Mall.Shipping.IShippingRateProvider>())
            Assert.Single(rates.Items, r => r.Instance is FlatRate);
        using (var handlers = extensions.Acquire<Mall.Events.IDomainEventHandler<Mall.Ordering.OrderPlacedEvent>>())
            Assert.Contains(handlers.Items, h => h.Instance is OrderPlacedCounter);
        Assert.Equal("HKD", app.Services.GetRequiredService<IOptions<MallOptions>>().Value.Currency);
        await app.StopAsync();
        work.Delete(recursive: true);
    }

    private sealed class FlatRate : Mall.Shipping.IShippingRateProvider
    {
        public string Name => "Flat rate";

        public Task<Mall.Shipping.ShippingRate?> QuoteAsync(Mall.Checkout.CheckoutContext context, CancellationToken cancellationToken) =>
            Task.FromResult<Mall.Shipping.ShippingRate?>(new Mall.Shipping.ShippingRate(8m, "Flat rate"));
    }

    private sealed class OrderPlacedCounter : Mall.Events.IDomainEventHandler<Mall.Ordering.OrderPlacedEvent>
    {
        public Task HandleAsync(Mall.Ordering.OrderPlacedEvent domainEvent, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static T? Innermost<T>(Exception? exception) where T : Exception
    {
        T? found = null;
        for (; exception is not null; exception = exception.InnerException)
            if (exception is T match) found = match;
        return found;
    }

    private static WebApplication Build(Dictionary<string, string?> settings, out DirectoryInfo work, Action<IMallBuilder>? mall = null)
    {
        work = Directory.CreateTempSubdirectory("mall-hosting-");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production", ContentRootPath = work.FullName });
        builder.Logging.ClearProviders();
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mall:Database:ConnectionString"] = $"Data Source={Path.Combine(work.FullName, "mall.db")}",
            ["Mall:Plugins:StorePath"] = Path.Combine(work.FullName, "plugins"),
            ["Mall:Plugins:DropFolder"] = "",
            ["Mall:Themes:StorePath"] = Path.Combine(work.FullName, "themes"),
        });
        builder.Configuration.AddInMemoryCollection(settings);
        var added = builder.AddMall();
        mall?.Invoke(added);
        return builder.Build();
    }
}
