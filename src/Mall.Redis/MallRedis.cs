using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Mall.Redis;

/// <summary>
/// The mall's connection to Redis (one multiplexer per process), for Mall's own parts and for plugins that use Redis
/// (the flash sale). It connects in the background and reconnects by itself; while Redis is down,
/// <see cref="IsConnected"/> is false and callers take their database path instead of waiting (commands are not
/// queued while disconnected: they fail at once).
/// </summary>
public sealed class MallRedis : IAsyncDisposable
{
    private readonly Task<ConnectionMultiplexer> _connecting;
    private readonly ILogger<MallRedis> _logger;

    /// <summary>Starts connecting with <paramref name="options"/>.</summary>
    public MallRedis(IOptions<MallRedisOptions> options, ILogger<MallRedis> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _logger = logger;
        Options = options.Value;
        if (string.IsNullOrWhiteSpace(Options.Configuration))
        {
            // AddRedis() without a configuration: the mall runs as one node; users of Redis take their database path.
            _connecting = Task.FromException<ConnectionMultiplexer>(new InvalidOperationException("Redis is not configured (Mall:Redis:Configuration)."));
            _connecting.Exception?.Handle(_ => true);
            return;
        }
        IsConfigured = true;
        var configuration = ConfigurationOptions.Parse(Options.Configuration);
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        var timeout = (int)Options.OperationTimeout.TotalMilliseconds;
        if (!Options.Configuration.Contains("asyncTimeout", StringComparison.OrdinalIgnoreCase)) configuration.AsyncTimeout = timeout;
        if (!Options.Configuration.Contains("syncTimeout", StringComparison.OrdinalIgnoreCase)) configuration.SyncTimeout = timeout;
        if (!Options.Configuration.Contains("connectTimeout", StringComparison.OrdinalIgnoreCase)) configuration.ConnectTimeout = Math.Max(timeout, 2000);
        configuration.ClientName ??= "mall";
        _connecting = ConnectAsync(configuration);
    }

    /// <summary>The options it was made with.</summary>
    public MallRedisOptions Options { get; }

    /// <summary>True when <c>Mall:Redis:Configuration</c> names a Redis.</summary>
    public bool IsConfigured { get; }

    /// <summary>True while a connection to Redis is up (false while it is still connecting, and when not configured).</summary>
    public bool IsConnected => _connecting.IsCompletedSuccessfully && _connecting.Result.IsConnected;

    /// <summary>Raised (on a Redis thread) when the connection came back after a failure: messages may have been missed meanwhile.</summary>
    public event Action? Restored;

    /// <summary>The multiplexer, once made (it exists even while Redis is down, and reconnects).</summary>
    public Task<ConnectionMultiplexer> GetMultiplexerAsync() => _connecting;

    /// <summary>The database, or null while not connected.</summary>
    public IDatabase? DatabaseOrNull => IsConnected ? _connecting.Result.GetDatabase() : null;

    /// <summary>A key under the mall's prefix: <c>Key("flash:1")</c> is <c>mall:flash:1</c>.</summary>
    public RedisKey Key(string name) => Options.KeyPrefix + name;

    /// <summary>A pub/sub channel under the mall's prefix.</summary>
    public RedisChannel Channel(string name) => RedisChannel.Literal(Options.KeyPrefix + name);

    private async Task<ConnectionMultiplexer> ConnectAsync(ConfigurationOptions configuration)
    {
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        multiplexer.ConnectionFailed += (_, e) =>
            _logger.LogWarning(e.Exception, "Redis connection lost ({Endpoint}, {Kind}, {Failure}): caches are bypassed and the database path serves until it returns.", e.EndPoint, e.ConnectionType, e.FailureType);
        multiplexer.ConnectionRestored += (_, e) =>
        {
            _logger.LogInformation("Redis connection restored ({Endpoint}, {Kind}).", e.EndPoint, e.ConnectionType);
            if (e.ConnectionType == ConnectionType.Subscription) Restored?.Invoke();
        };
        if (multiplexer.IsConnected) _logger.LogInformation("Connected to Redis at {Endpoints}.", string.Join(", ", configuration.EndPoints));
        else _logger.LogWarning("Redis at {Endpoints} is not reachable; the mall serves without it and reconnects in the background.", string.Join(", ", configuration.EndPoints));
        return multiplexer;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!IsConfigured) return;
        try
        {
            await (await _connecting.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
        }
        catch (RedisException)
        {
        }
    }
}
