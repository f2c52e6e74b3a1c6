using Mall.Payments;
using Mall.Plugins.WeChatPay.Providers;
using Microsoft.Extensions.DependencyInjection;

namespace Mall.Plugins.WeChatPay;

/// <summary>
/// WeChat Pay API v3 as a Mall plugin: contributes the <c>wechatpay</c> payment method. Configure it in the plugin's
/// settings (<c>PUT /api/admin/plugins/Mall.Plugins.WeChatPay/settings</c>); see docs/payments.md.
/// </summary>
public sealed class WeChatPayPlugin : MallPlugin
{
    /// <inheritdoc />
    public override void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton<IPaymentProvider, WeChatPayProvider>();
        services.AddSingleton<IPluginSettingsValidator, WeChatPaySettingsValidator>();
    }
}
