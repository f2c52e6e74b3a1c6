using Mall.Clustering;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Mall.Redis;

/// <summary>
/// <see cref="IClusterBus"/> over Redis pub/sub: a message reaches this node's subscribers at once (also while Redis
/// is down) and the other nodes through Redis. When the subscription connection comes back after a failure, every
/// subscriber gets a catch-up message (what was published meanwhile is lost).
/// </summary>
internal sealed class RedisClusterBus : IClusterBus, IDisposable
{
    private const char Separator = '\u001f';
    private readonly MallRedis _redis;
    private readonly MallNode _node;
    private readonly ILogger<RedisClusterBus> _logger;
    private readonly ClusterSubscriptions _subscriptions;
    private readonly HashSet<string> _listening = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public RedisClusterBus(MallRedis redis, MallNode node, ILogger<RedisClusterBus> logger)
    {
        _redis = redis;
        _node = node;
        _logger = logger;
        _subscriptions = new ClusterSubscriptions(logger);
        _redis.Restored += OnRestored;
    }

    public string NodeId => _node.Id;

    public async Task PublishAsync(string topic, string payload, CancellationToken cancellationToken = default)
    {
        await _subscriptions.DeliverAsync(new ClusterMessage(topic, payload, _node.Id), cancellationToken).ConfigureAwait(false);
        if (!_redis.IsConnected)
        {
            _logger.LogWarning("Redis is down: cluster message {Topic} '{Payload}' reaches this node only; the others catch up when it returns.", topic, payload);
            return;
        }
        try
        {
            var multiplexer = await _redis.GetMultiplexerAsync().ConfigureAwait(false);
            await multiplexer.GetSubscriber().PublishAsync(ChannelOf(topic), _node.Id + Separator + payload).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _logger.LogWarning(ex, "Cluster message {Topic} '{Payload}' could not be sent to the other nodes.", topic, payload);
        }
    }

    public IDisposable Subscribe(string topic, Func<ClusterMessage, CancellationToken, Task> handler)
    {
        var subscription = _subscriptions.Add(topic, handler);
        bool first;
        lock (_lock) first = _listening.Add(topic);
        if (first) _ = ListenAsync(topic);
        return subscription;
    }

    private async Task ListenAsync(string topic)
    {
        try
        {
            var multiplexer = await _redis.GetMultiplexerAsync().ConfigureAwait(false);
            // Re-subscribed by the multiplexer after every reconnect.
            await multiplexer.GetSubscriber().SubscribeAsync(ChannelOf(topic), (_, value) => OnMessage(topic, value)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Not connected yet: StackExchange.Redis keeps the subscription and makes it when it connects.
            _logger.LogWarning(ex, "Subscribing to cluster topic {Topic} waits for Redis.", topic);
        }
    }

    private void OnMessage(string topic, RedisValue value) => _ = OnMessageAsync(topic, value);

    private Task OnMessageAsync(string topic, RedisValue value)
    {
        var text = (string?)value ?? "";
        var split = text.IndexOf(Separator);
        if (split < 0) return Task.CompletedTask;
        var sender = text[..split];
        // This node delivered its own message when it sent it.
        if (sender == _node.Id) return Task.CompletedTask;
        return _subscriptions.DeliverAsync(new ClusterMessage(topic, text[(split + 1)..], sender), CancellationToken.None);
    }

    private void OnRestored() => _ = _subscriptions.CatchUpAsync(_node.Id, CancellationToken.None);

    private RedisChannel ChannelOf(string topic) => _redis.Channel("bus:" + topic);

    public void Dispose() => _redis.Restored -= OnRestored;
}
