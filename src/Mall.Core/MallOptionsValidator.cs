using System.Globalization;
using Microsoft.Extensions.Options;

namespace Mall;

/// <summary>
/// Checks <see cref="MallOptions"/> when the host starts (registered with <c>ValidateOnStart</c>): a value Mall cannot
/// run with stops start-up with a message naming the setting as it is configured (<c>Mall:Themes:MaxRenderSteps</c>),
/// never a failure at the first request that needs it.
/// </summary>
internal sealed class MallOptionsValidator : IValidateOptions<MallOptions>
{
    public ValidateOptionsResult Validate(string? name, MallOptions options)
    {
        var errors = new List<string>();
        void Require(bool ok, string setting, string rule) { if (!ok) errors.Add($"Mall:{setting} {rule}."); }
        static bool Positive(TimeSpan value) => value > TimeSpan.Zero;

        Require(!string.IsNullOrWhiteSpace(options.Database.Provider), "Database:Provider", "must name a database provider (Sqlite, MySql or PostgreSql)");
        Require(!string.IsNullOrWhiteSpace(options.Database.ConnectionString), "Database:ConnectionString", "must be set");
        Require(options.Database.TransientRetries is >= 0 and <= 100, "Database:TransientRetries", "must be between 0 and 100");
        Require(options.Currency is { Length: 3 } c && c.All(char.IsAsciiLetterUpper), "Currency", "must be an ISO 4217 code in capitals, e.g. CNY");
        Require(string.IsNullOrEmpty(options.Admin.InitialUserName) == string.IsNullOrEmpty(options.Admin.InitialPassword),
            "Admin:InitialPassword", "and Mall:Admin:InitialUserName must be set together (or both left out)");
        Require(options.Plugins.MaxPackageBytes > 0, "Plugins:MaxPackageBytes", "must be positive");
        Require(Positive(options.Plugins.DropFolderScanInterval), "Plugins:DropFolderScanInterval", "must be positive, e.g. 00:00:02");
        Require(Positive(options.Plugins.UnloadCheckTimeout), "Plugins:UnloadCheckTimeout", "must be positive, e.g. 00:00:10");
        var themes = options.Themes;
        Require(!string.IsNullOrWhiteSpace(themes.DefaultCulture) && IsCulture(themes.DefaultCulture), "Themes:DefaultCulture", "must be a culture name, e.g. zh-CN");
        Require(themes.MaxOutputBytes > 0, "Themes:MaxOutputBytes", "must be positive");
        Require(Positive(themes.RenderTimeout), "Themes:RenderTimeout", "must be positive, e.g. 00:00:02");
        Require(themes.MaxRenderSteps > 0, "Themes:MaxRenderSteps", "must be positive");
        Require(themes.MaxNesting is > 0 and <= 1000, "Themes:MaxNesting", "must be between 1 and 1000");
        Require(themes.MaxStringLength > 0, "Themes:MaxStringLength", "must be positive");
        Require(Positive(themes.RegexTimeout), "Themes:RegexTimeout", "must be positive, e.g. 00:00:00.100");
        Require(themes.RenderedPageCacheDuration >= TimeSpan.Zero, "Themes:RenderedPageCacheDuration", "must be zero (off) or positive");
        Require(themes.MaxPartialExpansions > 0, "Themes:MaxPartialExpansions", "must be positive");
        Require(Positive(themes.StateRefreshInterval), "Themes:StateRefreshInterval", "must be positive, e.g. 00:00:05");
        Require(Positive(options.Ordering.PaymentTimeout), "Ordering:PaymentTimeout", "must be positive, e.g. 00:30:00");
        Require(Positive(options.Ordering.TimeoutSweepInterval), "Ordering:TimeoutSweepInterval", "must be positive, e.g. 00:00:30");
        Require(Positive(options.Plugins.SyncInterval), "Plugins:SyncInterval", "must be positive, e.g. 00:00:10");
        Require(Positive(options.Caching.ProductLifetime), "Caching:ProductLifetime", "must be positive, e.g. 00:05:00");
        Require(Positive(options.Caching.ListLifetime), "Caching:ListLifetime", "must be positive, e.g. 00:01:00");
        Require(Positive(options.Caching.StockLifetime) && options.Caching.StockLifetime <= TimeSpan.FromSeconds(10), "Caching:StockLifetime", "must be positive and at most 00:00:10");
        foreach (var (limitName, limit) in new[] { ("Anonymous", options.RateLimits.Anonymous), ("Shopper", options.RateLimits.Shopper), ("Admin", options.RateLimits.Admin),
                     ("ApiKey", options.RateLimits.ApiKey), ("SignIn", options.RateLimits.SignIn), ("Payment", options.RateLimits.Payment) })
        {
            Require(limit is { PermitLimit: > 0 }, $"RateLimits:{limitName}:PermitLimit", "must be positive");
            Require(limit is not null && limit.Window > TimeSpan.Zero && limit.Window <= TimeSpan.FromDays(1), $"RateLimits:{limitName}:Window", "must be positive and at most 1.00:00:00");
        }
        var webhooks = options.Webhooks;
        Require(Positive(webhooks.PollInterval), "Webhooks:PollInterval", "must be positive, e.g. 00:00:01");
        Require(Positive(webhooks.AttemptTimeout) && webhooks.AttemptTimeout <= TimeSpan.FromMinutes(5), "Webhooks:AttemptTimeout", "must be positive and at most 00:05:00");
        Require(webhooks.ImmediateRetries is >= 0 and <= 10, "Webhooks:ImmediateRetries", "must be between 0 and 10");
        Require(Positive(webhooks.FirstRetryDelay), "Webhooks:FirstRetryDelay", "must be positive, e.g. 00:00:30");
        Require(webhooks.MaxRetryDelay >= webhooks.FirstRetryDelay, "Webhooks:MaxRetryDelay", "must be at least Mall:Webhooks:FirstRetryDelay");
        Require(webhooks.RetryPeriod >= TimeSpan.Zero, "Webhooks:RetryPeriod", "must be zero (one round) or positive");
        Require(Positive(webhooks.PauseAfter), "Webhooks:PauseAfter", "must be positive, e.g. 1.00:00:00");
        Require(webhooks.Retention >= TimeSpan.FromHours(1), "Webhooks:Retention", "must be at least 01:00:00");
        Require(webhooks.MaxParallelDeliveries is > 0 and <= 1000, "Webhooks:MaxParallelDeliveries", "must be between 1 and 1000");
        for (var i = 0; i < webhooks.AllowedNetworks.Count; i++)
            Require(Mall.Security.Services.ApiKeyService.ParseRange(webhooks.AllowedNetworks[i]?.Trim() ?? "") is not null, $"Webhooks:AllowedNetworks:{i}", "must be an IP address or CIDR range, e.g. 127.0.0.1/32");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsCulture(string name)
    {
        try
        {
            return CultureInfo.GetCultureInfo(name, predefinedOnly: true) is not null;
        }
        catch (CultureNotFoundException)
        {
            return false;
        }
    }
}
