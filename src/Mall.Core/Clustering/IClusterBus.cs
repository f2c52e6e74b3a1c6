namespace Mall.Clustering;

/// <summary>
/// Small notifications between the nodes of one mall ("the product 42 changed", "plugins changed"): what each node
/// must hear to drop a cached value or reload state from the database. Delivery is best effort and at most once:
/// the database stays the source of truth, and a subscriber that is told it may have missed messages
/// (<see cref="ClusterMessage.IsCatchUp"/>) reloads what it keeps. The default delivers within this process only
/// (one node); <c>Mall.Redis</c> (<c>.AddRedis()</c>) delivers to every node through Redis pub/sub.
/// </summary>
public interface IClusterBus
{
    /// <summary>This node's id, unique among the running nodes (also the holder name of job leases).</summary>
    string NodeId { get; }

    /// <summary>
    /// Sends <paramref name="payload"/> on <paramref name="topic"/> to every node, this one included. Never throws for a
    /// transport failure (the message is then lost and logged; subscribers catch up when the transport returns).
    /// </summary>
    /// <param name="topic">A short name, e.g. <c>catalog</c>; plugins prefix theirs with their id.</param>
    /// <param name="payload">What changed, small (an id, a tag list).</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    Task PublishAsync(string topic, string payload, CancellationToken cancellationToken = default);

    /// <summary>
    /// Calls <paramref name="handler"/> for each message on <paramref name="topic"/>, and with a catch-up message when
    /// messages may have been missed (the transport reconnected). Handlers run one at a time per subscription and must
    /// be idempotent. Dispose the result to stop.
    /// </summary>
    IDisposable Subscribe(string topic, Func<ClusterMessage, CancellationToken, Task> handler);
}

/// <summary>One message of <see cref="IClusterBus"/>.</summary>
/// <param name="Topic">The topic it was sent on.</param>
/// <param name="Payload">What the sender said; empty for a catch-up message.</param>
/// <param name="SenderNodeId">The sending node, or this node for a catch-up message.</param>
/// <param name="IsCatchUp">True when this is no message but a hint that messages may have been missed: reload everything kept.</param>
public sealed record ClusterMessage(string Topic, string Payload, string SenderNodeId, bool IsCatchUp = false);
