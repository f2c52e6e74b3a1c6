using Mall.Payments;
using Mall.Plugins.Alipay.Providers;
using Mall.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace Mall.Plugins.Alipay;

/// <summary>
/// Alipay as a Mall plugin: contributes the <c>alipay</c> payment method. Configure it in the plugin's settings
/// (<c>PUT /api/admin/plugins/Mall.Plugins.Alipay/settings</c>); see docs/payments.md.
/// </summary>
public sealed class AlipayPlugin : MallPlugin
{
    /// <inheritdoc />
    public override void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton<IPaymentProvider, AlipayProvider>();
        services.AddSingleton<IPluginSettingsValidator, AlipaySettingsValidator>();
    }
}
