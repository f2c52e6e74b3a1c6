using Dapper;
using Mall.Clustering;
using Mall.Data;

namespace Mall.Jobs;

/// <summary>
/// <see cref="IJobLeases"/> in <c>mall_job_lease</c>: one row per job, taken by a conditional update (free, expired
/// or already ours), so that two nodes asking at once cannot both win, on every supported database.
/// </summary>
internal sealed class DatabaseJobLeases(IMallDatabase database, MallNode node, TimeProvider clock) : IJobLeases
{
    public async Task<bool> TryHoldAsync(string job, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(job);
        if (job.Length > 100) throw new ArgumentOutOfRangeException(nameof(job), "A job name has at most 100 characters.");
        var now = clock.GetUtcNow().UtcDateTime;
        var values = new { job, holder = node.Id, now, expires = now + duration };
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        const string take = "UPDATE mall_job_lease SET holder = @holder, expires_at = @expires, acquired_at = CASE WHEN holder = @holder THEN acquired_at ELSE @now END WHERE name = @job AND (holder = @holder OR expires_at < @now)";
        if (await connection.ExecuteAsync(new CommandDefinition(take, values, cancellationToken: cancellationToken)).ConfigureAwait(false) == 1) return true;
        // No row yet: the first node to insert it holds the lease; a node losing that race sees the winner's row.
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            database.Dialect.InsertIgnoreDuplicate("mall_job_lease", ["name", "holder", "acquired_at", "expires_at"], ["@job", "@holder", "@now", "@expires"], ["name"]),
            values, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return inserted == 1;
    }

    public async Task ReleaseAsync(string job, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE mall_job_lease SET expires_at = @past WHERE name = @job AND holder = @holder",
            new { job, holder = node.Id, past = DateTime.UnixEpoch }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<string?> GetHolderAsync(string job, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            "SELECT holder FROM mall_job_lease WHERE name = @job AND expires_at >= @now",
            new { job, now = clock.GetUtcNow().UtcDateTime }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }
}
