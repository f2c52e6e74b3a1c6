namespace Mall.Redis;

/// <summary>Redis for Mall (<c>Mall:Redis</c>).</summary>
public sealed class MallRedisOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "Mall:Redis";

    /// <summary>
    /// StackExchange.Redis configuration, e.g. <c>127.0.0.1:6379</c> or <c>redis.internal:6379,password=…,ssl=true</c>
    /// (<c>Mall:Redis:Configuration</c>). Empty: Redis is not used and every node works alone, in memory.
    /// </summary>
    public string? Configuration { get; set; }

    /// <summary>Prefix of every key and channel (default <c>mall:</c>), so that several malls can share one Redis.</summary>
    public string KeyPrefix { get; set; } = "mall:";

    /// <summary>
    /// How long one Redis call may take before it counts as failed (default 1 second; used unless the configuration
    /// sets <c>asyncTimeout</c>): a slow or lost Redis costs a request at most this, never a hang.
    /// </summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(1);
}
