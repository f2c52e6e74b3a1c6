using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Mall.Redis;

/// <summary>
/// The second cache level (<see cref="IDistributedCache"/>, which HybridCache uses) in Redis: plain strings with an
/// expiry under <c>{prefix}cache:</c>. While Redis is down every call returns at once (a miss, or nothing stored),
/// so the first level and the database serve without waiting for timeouts.
/// </summary>
internal sealed class RedisDistributedCache(MallRedis redis, ILogger<RedisDistributedCache> logger) : IDistributedCache
{
    public byte[]? Get(string key) => GetAsync(key).GetAwaiter().GetResult();

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        if (redis.DatabaseOrNull is not { } database) return null;
        try
        {
            return await database.StringGetAsync(KeyOf(key)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            logger.LogDebug(ex, "Redis cache read of {Key} failed; reading from the database.", key);
            return null;
        }
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => SetAsync(key, value, options).GetAwaiter().GetResult();

    public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        if (redis.DatabaseOrNull is not { } database) return;
        var expiry = options.AbsoluteExpirationRelativeToNow
            ?? (options.AbsoluteExpiration is { } at ? at - DateTimeOffset.UtcNow : (TimeSpan?)null)
            ?? options.SlidingExpiration
            ?? TimeSpan.FromMinutes(5);
        if (expiry <= TimeSpan.Zero) return;
        try
        {
            await database.StringSetAsync(KeyOf(key), value, expiry).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            logger.LogDebug(ex, "Redis cache write of {Key} failed.", key);
        }
    }

    public void Refresh(string key)
    {
    }

    public Task RefreshAsync(string key, CancellationToken token = default) => Task.CompletedTask;

    public void Remove(string key) => RemoveAsync(key).GetAwaiter().GetResult();

    public async Task RemoveAsync(string key, CancellationToken token = default)
    {
        if (redis.DatabaseOrNull is not { } database) return;
        try
        {
            await database.KeyDeleteAsync(KeyOf(key)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            logger.LogWarning(ex, "Redis cache removal of {Key} failed; the entry expires by itself.", key);
        }
    }

    private RedisKey KeyOf(string key) => redis.Key("cache:" + key);
}
