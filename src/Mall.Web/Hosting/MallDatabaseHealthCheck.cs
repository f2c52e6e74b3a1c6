using Dapper;
using Mall.Data;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mall.Web.Hosting;

/// <summary>Healthy when the database answers a trivial query.</summary>
internal sealed class MallDatabaseHealthCheck(IMallDatabase database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1", cancellationToken: cancellationToken)).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"{database.Dialect.Name} database reachable.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"{database.Dialect.Name} database unreachable.", ex);
        }
    }
}
