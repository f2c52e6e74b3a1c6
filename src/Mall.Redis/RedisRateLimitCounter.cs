using Mall.Security;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Mall.Redis;

/// <summary>
/// Rate-limit windows in Redis, shared by every node: one Lua script per request increments the window's key and
/// starts its expiry on the first count (so a key never outlives its window), returning the count and time left.
/// Redis unreachable: null, and the node counts locally until it is back.
/// </summary>
internal sealed class RedisRateLimitCounter(MallRedis redis, ILogger<RedisRateLimitCounter> logger) : IRateLimitCounter
{
    private static readonly LuaScript Script = LuaScript.Prepare(
        "local n = redis.call('INCR', @key) " +
        "if n == 1 then redis.call('PEXPIRE', @key, @window) end " +
        "local ttl = redis.call('PTTL', @key) " +
        "if ttl < 0 then redis.call('PEXPIRE', @key, @window) ttl = tonumber(@window) end " +
        "return { n, ttl }");

    private long _lastWarning;

    public async ValueTask<RateLimitCount?> IncrementAsync(string key, TimeSpan window, CancellationToken cancellationToken = default)
    {
        var database = redis.DatabaseOrNull;
        if (database is null) return null;
        try
        {
            var result = (RedisResult[])(await database.ScriptEvaluateAsync(Script, new { key = redis.Key("rl:" + key), window = (long)window.TotalMilliseconds }).ConfigureAwait(false))!;
            return new RateLimitCount((long)result[0], TimeSpan.FromMilliseconds((long)result[1]));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // At most one warning a minute: every request would log otherwise.
            var now = Environment.TickCount64;
            if (now - Interlocked.Read(ref _lastWarning) > 60_000)
            {
                Interlocked.Exchange(ref _lastWarning, now);
                logger.LogWarning(ex, "Rate limits are counted per node: Redis did not answer.");
            }
            return null;
        }
    }
}
