using Mall.Clustering;
using Mall.Redis;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds Redis to a mall: several nodes over one database and one Redis.</summary>
public static class RedisMallExtensions
{
    /// <summary>
    /// Uses Redis at <paramref name="configuration"/> (or <c>Mall:Redis:Configuration</c> when null): HybridCache's
    /// second level for catalog reads, the cluster bus between nodes (cache invalidation, plugin and theme changes) and
    /// the <see cref="MallRedis"/> connection plugins use (the flash sale). With neither set, nothing changes: the mall
    /// runs as one node, in memory. Job leases and Data Protection keys are in the database either way.
    /// </summary>
    /// <example><code>builder.AddMall().AddPostgreSql().AddRedis("127.0.0.1:6379");</code></example>
    public static Mall.IMallBuilder AddRedis(this Mall.IMallBuilder mall, string? configuration = null, Action<MallRedisOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(mall);
        var services = mall.Services;
        var options = services.AddOptions<MallRedisOptions>();
        options.Configure<IServiceProvider>((o, sp) =>
        {
            if (sp.GetService<IConfiguration>() is { } config) config.GetSection(MallRedisOptions.SectionName).Bind(o);
            if (configuration is not null) o.Configuration = configuration;
            configure?.Invoke(o);
        });
        services.TryAddSingleton<MallRedis>();
        // Each replaces the in-process default only when Redis is configured; otherwise the defaults stay.
        services.Replace(ServiceDescriptor.Singleton<IClusterBus>(sp => Configured(sp)
            ? ActivatorUtilities.CreateInstance<RedisClusterBus>(sp)
            : ActivatorUtilities.CreateInstance<InProcessClusterBus>(sp)));
        services.Replace(ServiceDescriptor.Singleton<IDistributedCache>(sp => Configured(sp)
            ? ActivatorUtilities.CreateInstance<RedisDistributedCache>(sp)
            : new MemoryDistributedCache(Options.Options.Create(new Caching.Memory.MemoryDistributedCacheOptions()))));
        services.Replace(ServiceDescriptor.Singleton<Mall.Security.IRateLimitCounter>(sp => Configured(sp)
            ? ActivatorUtilities.CreateInstance<RedisRateLimitCounter>(sp)
            : new Mall.Security.LocalRateLimitCounter()));
        services.AddHealthChecks().Add(new Diagnostics.HealthChecks.HealthCheckRegistration("redis",
            sp => Configured(sp) ? ActivatorUtilities.CreateInstance<RedisHealthCheck>(sp) : new NotConfiguredCheck(),
            Diagnostics.HealthChecks.HealthStatus.Degraded, ["mall", "redis"]));
        return mall;
    }

    private static bool Configured(IServiceProvider services) => services.GetRequiredService<MallRedis>().IsConfigured;

    private sealed class NotConfiguredCheck : Diagnostics.HealthChecks.IHealthCheck
    {
        public Task<Diagnostics.HealthChecks.HealthCheckResult> CheckHealthAsync(Diagnostics.HealthChecks.HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(Diagnostics.HealthChecks.HealthCheckResult.Healthy("Redis is not configured: this node works alone."));
    }
}
