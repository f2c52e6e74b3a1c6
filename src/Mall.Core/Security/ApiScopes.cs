namespace Mall.Security;

/// <summary>
/// The scopes an API key may hold. Each area of the admin API needs <c>{area}:read</c> to read and
/// <c>{area}:write</c> to change; a few actions have a scope of their own (<see cref="OrdersFulfil"/>). Areas only
/// an owner admin may use (admins, API keys, plugins, themes) have no scope: no key reaches them.
/// </summary>
public static class ApiScopes
{
    /// <summary>Read categories, brands and products.</summary>
    public const string CatalogRead = "catalog:read";
    /// <summary>Change categories, brands and products.</summary>
    public const string CatalogWrite = "catalog:write";
    /// <summary>Read stock levels and movements.</summary>
    public const string InventoryRead = "inventory:read";
    /// <summary>Adjust stock.</summary>
    public const string InventoryWrite = "inventory:write";
    /// <summary>Read freight templates.</summary>
    public const string ShippingRead = "shipping:read";
    /// <summary>Change freight templates.</summary>
    public const string ShippingWrite = "shipping:write";
    /// <summary>Read promotions and coupons (and the marketing plugins' activities).</summary>
    public const string MarketingRead = "marketing:read";
    /// <summary>Change promotions and coupons (and the marketing plugins' activities).</summary>
    public const string MarketingWrite = "marketing:write";
    /// <summary>Read orders and their payments.</summary>
    public const string OrdersRead = "orders:read";
    /// <summary>Ship orders (carrier, tracking): what a warehouse or ERP needs.</summary>
    public const string OrdersFulfil = "orders:fulfil";
    /// <summary>Change orders otherwise: cancel, transitions, refunds.</summary>
    public const string OrdersWrite = "orders:write";
    /// <summary>Read customers and their assets.</summary>
    public const string CustomersRead = "customers:read";
    /// <summary>Change customers' assets.</summary>
    public const string CustomersWrite = "customers:write";
    /// <summary>Manage webhook subscriptions, read and replay their deliveries.</summary>
    public const string WebhooksManage = "webhooks:manage";
    /// <summary>Read the audit log.</summary>
    public const string AuditRead = "audit:read";

    /// <summary>Every scope a key may hold.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        CatalogRead, CatalogWrite, InventoryRead, InventoryWrite, ShippingRead, ShippingWrite, MarketingRead, MarketingWrite,
        OrdersRead, OrdersFulfil, OrdersWrite, CustomersRead, CustomersWrite, WebhooksManage, AuditRead,
    ];

    /// <summary>Whether <paramref name="scope"/> is a known scope (case-sensitive).</summary>
    public static bool IsKnown(string scope) => All.Contains(scope, StringComparer.Ordinal);
}
