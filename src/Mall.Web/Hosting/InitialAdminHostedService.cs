using Mall.Security;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mall.Web.Hosting;

/// <summary>Creates the first admin from <c>Mall:Admin:InitialUserName</c> / <c>InitialPassword</c> when no admin exists yet.</summary>
internal sealed class InitialAdminHostedService(IAdminAccountService admins, IOptions<MallOptions> options, ILogger<InitialAdminHostedService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var admin = options.Value.Admin;
        if (string.IsNullOrWhiteSpace(admin.InitialUserName) || string.IsNullOrEmpty(admin.InitialPassword)) return;
        if (await admins.CountAsync(cancellationToken).ConfigureAwait(false) > 0) return;
        try
        {
            await admins.CreateAsync(admin.InitialUserName, admin.InitialPassword, [AdminRoles.Owner], cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Created the initial admin '{UserName}'.", admin.InitialUserName);
        }
        catch (Common.MallConflictException)
        {
            // Another node created it at the same moment.
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
