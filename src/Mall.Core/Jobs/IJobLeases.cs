namespace Mall.Jobs;

/// <summary>
/// Leases that let one node at a time run a background job (the payment timeout, group-buy expiry…): a node holds
/// a job's lease for a while and renews it while it runs; when it stops, or dies and the lease runs out, another
/// node takes over. Kept in the database, so it needs nothing beyond what every node already shares.
/// </summary>
public interface IJobLeases
{
    /// <summary>
    /// Takes the lease on <paramref name="job"/> for this node, or renews it when this node holds it, until now plus
    /// <paramref name="duration"/>. False when another node holds an unexpired lease.
    /// </summary>
    /// <param name="job">The job's name, e.g. <c>ordering.payment-timeout</c>; plugins prefix theirs with their id.</param>
    /// <param name="duration">How long the lease lasts without renewal: longer than one run, a few times the interval.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<bool> TryHoldAsync(string job, TimeSpan duration, CancellationToken cancellationToken = default);

    /// <summary>Gives the lease up when this node holds it, so that another node takes over at once.</summary>
    Task ReleaseAsync(string job, CancellationToken cancellationToken = default);

    /// <summary>The node holding <paramref name="job"/>'s unexpired lease, or null.</summary>
    Task<string?> GetHolderAsync(string job, CancellationToken cancellationToken = default);
}
