using Mall.Data.Migrations;

namespace Mall.Data;

/// <summary>
/// Schema of the core module, one migration per change, each kept in the folder of the feature that owns its tables
/// (<c>Catalog/Data/V1Catalog.cs</c>, …). Module id and versions never change: installed databases upgrade in order.
/// </summary>
public sealed class CoreMigrations : IMigrationSource
{
    /// <summary>Module id of the core schema.</summary>
    public const string ModuleName = "Mall.Core";

    /// <inheritdoc />
    public string Module => ModuleName;

    /// <inheritdoc />
    public IReadOnlyList<Migration> Migrations { get; } = [new V1Catalog(), new V2Inventory(), new V3Orders(), new V4Customers(), new V5Carts(), new V6Plugins(), new V7Payments(), new V8Freight(), new V9Promotions(), new V10OrderAdjustments(), new V11Coupons(), new V12GiftLines(), new V13Themes(), new V14JobLeases(), new V15DataProtectionKeys(), new V16PluginPackages(), new V17ThemePackages(), new V18ApiKeys(), new V19Outbox(), new V20Webhooks(), new V21Audit(), new V22OrderReporting(), new V23OrderListing()];
}
