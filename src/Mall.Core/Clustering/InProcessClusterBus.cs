using Microsoft.Extensions.Logging;

namespace Mall.Clustering;

/// <summary>The one-node <see cref="IClusterBus"/> (the default): messages reach this process's subscribers, at once.</summary>
/// <param name="node">This node.</param>
/// <param name="logger">Where failing subscribers are logged.</param>
public sealed class InProcessClusterBus(MallNode node, ILogger<InProcessClusterBus> logger) : IClusterBus
{
    private readonly ClusterSubscriptions _subscriptions = new(logger);

    /// <inheritdoc />
    public string NodeId => node.Id;

    /// <inheritdoc />
    public Task PublishAsync(string topic, string payload, CancellationToken cancellationToken = default) =>
        _subscriptions.DeliverAsync(new ClusterMessage(topic, payload, node.Id), cancellationToken);

    /// <inheritdoc />
    public IDisposable Subscribe(string topic, Func<ClusterMessage, CancellationToken, Task> handler) => _subscriptions.Add(topic, handler);
}

/// <summary>This process as a node of the mall: its id, from <c>Mall:NodeId</c> or made up at start.</summary>
public sealed class MallNode
{
    /// <summary>A node named <paramref name="id"/>, or host name, process id and a random part when it is null or empty.</summary>
    public MallNode(string? id = null) =>
        Id = string.IsNullOrWhiteSpace(id) ? $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}" : id;

    /// <summary>The node id.</summary>
    public string Id { get; }
}

/// <summary>
/// The subscriber list of a bus: delivers a message to each subscriber of its topic, one message at a time per
/// subscriber, logging (not throwing) a handler's failure. Shared by the in-process and the Redis bus.
/// </summary>
public sealed class ClusterSubscriptions(ILogger logger)
{
    private readonly ILogger _logger = logger;
    private readonly Lock _lock = new();
    private Subscription[] _all = [];

    /// <summary>Adds a subscriber; dispose the result to remove it.</summary>
    public IDisposable Add(string topic, Func<ClusterMessage, CancellationToken, Task> handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentNullException.ThrowIfNull(handler);
        var subscription = new Subscription(this, topic, handler);
        lock (_lock) _all = [.. _all, subscription];
        return subscription;
    }

    /// <summary>Delivers <paramref name="message"/> to the subscribers of its topic and waits for them.</summary>
    public Task DeliverAsync(ClusterMessage message, CancellationToken cancellationToken)
    {
        var targets = Volatile.Read(ref _all).Where(s => s.Topic == message.Topic).ToList();
        return targets.Count switch
        {
            0 => Task.CompletedTask,
            1 => targets[0].HandleAsync(message, cancellationToken),
            _ => Task.WhenAll(targets.Select(t => t.HandleAsync(message, cancellationToken))),
        };
    }

    /// <summary>Tells every subscriber that messages may have been missed.</summary>
    public Task CatchUpAsync(string nodeId, CancellationToken cancellationToken) =>
        Task.WhenAll(Volatile.Read(ref _all).Select(s => s.HandleAsync(new ClusterMessage(s.Topic, "", nodeId, IsCatchUp: true), cancellationToken)));

    private void Remove(Subscription subscription)
    {
        lock (_lock) _all = _all.Where(s => s != subscription).ToArray();
    }

    private sealed class Subscription(ClusterSubscriptions owner, string topic, Func<ClusterMessage, CancellationToken, Task> handler) : IDisposable
    {
        private readonly SemaphoreSlim _one = new(1, 1);

        public string Topic => topic;

        public async Task HandleAsync(ClusterMessage message, CancellationToken cancellationToken)
        {
            await _one.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await handler(message, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                owner._logger.LogError(ex, "A subscriber of cluster topic {Topic} failed on a message from {Node}.", message.Topic, message.SenderNodeId);
            }
            finally
            {
                _one.Release();
            }
        }

        public void Dispose() => owner.Remove(this);
    }
}
