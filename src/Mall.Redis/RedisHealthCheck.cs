using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mall.Redis;

/// <summary>Redis reachable: healthy; down: degraded (the mall sells on through the database, without shared caches).</summary>
internal sealed class RedisHealthCheck(MallRedis redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (redis.DatabaseOrNull is not { } database) return HealthCheckResult.Degraded("Redis is not connected: caches are per node and the flash sale takes its database path.");
        try
        {
            var latency = await database.PingAsync().ConfigureAwait(false);
            return HealthCheckResult.Healthy($"Redis answers in {latency.TotalMilliseconds:0.0} ms.");
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            return HealthCheckResult.Degraded("Redis does not answer: " + ex.Message);
        }
    }
}
