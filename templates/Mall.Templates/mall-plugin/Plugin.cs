using Mall.Data;
using Mall.Data.Migrations;
using Mall.Events;
using Mall.Ordering;
using Mall.Plugins;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MallPlugin1;

/// <summary>The plugin's entry class: Mall creates it, registers its services and calls its hooks.</summary>
public sealed class Plugin : MallPlugin, IPluginEndpoints
{
    /// <inheritdoc />
    public override void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton<NoteTable>();
        services.AddSingleton<IDomainEventHandler<OrderPlacedEvent>, OrderPlacedHandler>();
    }

    /// <inheritdoc />
    public override IReadOnlyList<Migration> Migrations => [new CreateTables()];

    /// <inheritdoc />
    public override Task UninstallAsync(PluginContext context, bool dropData, CancellationToken cancellationToken)
    {
        // With dropData, drop the tables the migrations made: the host forgets the migrations and the settings.
        if (!dropData) return Task.CompletedTask;
        return context.Services.GetRequiredService<NoteTable>().DropAsync(cancellationToken);
    }

    /// <inheritdoc />
    public void MapEndpoints(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/api/plugins/mallplugin1/hello", (IPluginSettings settings) =>
            new Hello(settings.Get<Settings>().Greeting));
}

/// <summary>Settings; the defaults are in plugin.json.</summary>
public sealed class Settings
{
    /// <summary>What the endpoint says.</summary>
    public string Greeting { get; set; } = "";
}

/// <summary>Answer of the endpoint.</summary>
/// <param name="Message">The greeting setting.</param>
public sealed record Hello(string Message);

internal sealed class OrderPlacedHandler(ILogger<OrderPlacedHandler> logger) : IDomainEventHandler<OrderPlacedEvent>
{
    public Task HandleAsync(OrderPlacedEvent domainEvent, CancellationToken cancellationToken)
    {
        logger.LogInformation("Order {Number} placed: {Total}", domainEvent.Number, domainEvent.Total);
        return Task.CompletedTask;
    }
}

/// <summary>The plugin's table, through the host's database (plain ADO.NET; a plugin using Dapper ships its own copy).</summary>
internal sealed class NoteTable(IMallDatabase database)
{
    public const string Name = "PLUGIN_TABLE_PREFIX_note";

    public async Task DropAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"DROP TABLE IF EXISTS {Name}";
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

internal sealed class CreateTables : Migration
{
    public override long Version => 1;

    public override string Name => "MallPlugin1 tables";

    public override void Up(MigrationBuilder builder) =>
        builder.CreateTable(NoteTable.Name, t => t.Id().String("text", 200).DateTime("created_at"));
}
