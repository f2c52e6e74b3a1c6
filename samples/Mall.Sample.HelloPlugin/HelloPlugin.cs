using System.Reflection;
using Mall.Data.Migrations;
using Mall.Events;
using Mall.Ordering;
using Mall.Plugins;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Mall.Sample.HelloPlugin;

/// <summary>
/// The sample plugin: an endpoint (<c>GET /api/plugins/hello</c>) answering with a setting, a table of its own,
/// and a handler that records each placed order in it (<c>GET /api/plugins/hello/orders</c> counts them).
/// </summary>
public sealed class HelloPlugin : MallPlugin, IPluginEndpoints
{
    /// <summary>The version of this build (the assembly's), so that an upgrade can be seen in the answers.</summary>
    public static string BuildVersion { get; } =
        typeof(HelloPlugin).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];

    /// <inheritdoc />
    public override void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton<PlacedOrderLog>();
        services.AddSingleton<IDomainEventHandler<OrderPlacedEvent>, RecordPlacedOrder>();
    }

    /// <inheritdoc />
    public override IReadOnlyList<Migration> Migrations => [new CreatePlacedOrderTable()];

    /// <inheritdoc />
    public override async Task UninstallAsync(PluginContext context, bool dropData, CancellationToken cancellationToken)
    {
        if (dropData) await context.Services.GetRequiredService<PlacedOrderLog>().DropAsync(cancellationToken);
    }

    /// <inheritdoc />
    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        var hello = endpoints.MapGroup("/api/plugins/hello");
        hello.MapGet("/", (IPluginSettings settings) => new Greeting(settings.Get<HelloSettings>().Greeting, BuildVersion));
        hello.MapGet("/orders", async (PlacedOrderLog log, CancellationToken cancellationToken) =>
            new PlacedOrders(await log.CountAsync(cancellationToken)));
    }
}

/// <summary>The plugin's settings; defaults are in plugin.json.</summary>
public sealed class HelloSettings
{
    /// <summary>The word the endpoint greets with.</summary>
    public string Greeting { get; set; } = "Hello";
}

/// <summary>Answer of <c>GET /api/plugins/hello</c>.</summary>
/// <param name="Message">The greeting setting.</param>
/// <param name="Version">The plugin build answering.</param>
public sealed record Greeting(string Message, string Version);

/// <summary>Answer of <c>GET /api/plugins/hello/orders</c>.</summary>
/// <param name="Count">Orders placed while the plugin was enabled.</param>
public sealed record PlacedOrders(long Count);

internal sealed class RecordPlacedOrder(PlacedOrderLog log) : IDomainEventHandler<OrderPlacedEvent>
{
    public Task HandleAsync(OrderPlacedEvent domainEvent, CancellationToken cancellationToken) =>
        log.AddAsync(domainEvent.Number, domainEvent.OccurredAt.UtcDateTime, cancellationToken);
}

internal sealed class CreatePlacedOrderTable : Migration
{
    public override long Version => 1;

    public override string Name => "Placed orders seen by the hello plugin";

    public override void Up(MigrationBuilder builder) =>
        builder.CreateTable(PlacedOrderLog.Table, t => t.Id().String("order_number", 40).DateTime("placed_at"));
}
