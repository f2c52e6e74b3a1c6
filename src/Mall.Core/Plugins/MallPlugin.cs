using Mall.Data.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace Mall.Plugins;

/// <summary>
/// The entry class of a plugin: exactly one public non-abstract subclass with a parameterless constructor in the
/// manifest's entry assembly. The host loads the plugin into its own collectible load context and its services
/// into their own container scope, calls the hooks below, and unloads it all when the plugin is disabled,
/// upgraded or removed.
/// </summary>
/// <remarks>
/// Keep nothing of the plugin in a static of a host type or subscribed to a host object: what the host keeps
/// alive cannot be unloaded. Services the plugin registers see every host service (catalog, orders, the
/// database…) by constructor injection.
/// </remarks>
public abstract class MallPlugin
{
    /// <summary>
    /// Registers the plugin's services into its own scope: extension implementations (shipping rates, promotion
    /// evaluators, checkout steps, <see cref="Events.IDomainEventHandler{TEvent}"/>s, …), background jobs
    /// (<see cref="Microsoft.Extensions.Hosting.IHostedService"/>, started while the plugin is enabled) and
    /// anything its own code needs. Called once per load, before any hook.
    /// </summary>
    public virtual void ConfigureServices(IServiceCollection services) { }

    /// <summary>
    /// The plugin's database migrations, applied (once each, recorded under the plugin id) before
    /// <see cref="InstallAsync"/> and <see cref="UpgradeAsync"/>. Use <see cref="MigrationBuilder"/> for portable
    /// tables, or <see cref="MigrationBuilder.Sql(string, string)"/> per dialect.
    /// </summary>
    public virtual IReadOnlyList<Migration> Migrations => [];

    /// <summary>Runs once when the plugin is installed, after its migrations (seed data, for example).</summary>
    public virtual Task InstallAsync(PluginContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Runs once when the plugin is removed. When <paramref name="dropData"/> is true the plugin drops its own
    /// tables (the host then forgets its migrations and settings); otherwise its data stays for a later reinstall.
    /// </summary>
    public virtual Task UninstallAsync(PluginContext context, bool dropData, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs when the plugin is enabled (and at start-up for an enabled plugin), before it serves.</summary>
    public virtual Task EnableAsync(PluginContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs when the plugin is disabled, after it stopped serving new calls.</summary>
    public virtual Task DisableAsync(PluginContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Runs on the new version when the plugin is upgraded, after the new version's migrations and before it
    /// starts serving; <paramref name="fromVersion"/> is the version it replaces.
    /// </summary>
    public virtual Task UpgradeAsync(PluginContext context, string fromVersion, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>What a plugin's lifecycle hooks get.</summary>
/// <param name="Manifest">The plugin's manifest.</param>
/// <param name="Services">The plugin's own services, which reach the host's.</param>
/// <param name="Settings">The plugin's current settings.</param>
public sealed record PluginContext(PluginManifest Manifest, IServiceProvider Services, IPluginSettings Settings);
