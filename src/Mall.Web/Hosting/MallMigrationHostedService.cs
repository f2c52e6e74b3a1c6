using Mall.Data.Migrations;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Mall.Web.Hosting;

/// <summary>Applies pending migrations before the host starts serving; a failed migration stops start-up.</summary>
internal sealed class MallMigrationHostedService(MigrationRunner runner, IOptions<MallOptions> options) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Database.MigrateOnStartup) await runner.MigrateAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
