using Mall.Data;

namespace Mall;

/// <summary>Options of a mall, bound from the configuration section <c>Mall</c>.</summary>
public sealed class MallOptions
{
    /// <summary>Configuration section the options are bound from.</summary>
    public const string SectionName = "Mall";

    /// <summary>Which database to use (<c>Mall:Database</c>).</summary>
    public MallDatabaseOptions Database { get; set; } = new();

    /// <summary>Access to the admin API (<c>Mall:Admin</c>).</summary>
    public MallAdminOptions Admin { get; set; } = new();

    /// <summary>
    /// Map <c>POST /api/v1/orders/{id}/dev-pay</c>, which marks a shopper's order paid without a payment provider.
    /// Null (default): only in the Development environment. Never enable it in production.
    /// </summary>
    public bool? EnableDevelopmentPayments { get; set; }
}

/// <summary>Access to the admin API.</summary>
public sealed class MallAdminOptions
{
    /// <summary>User name of the admin created at start-up when there is none yet (with <see cref="InitialPassword"/>).</summary>
    public string? InitialUserName { get; set; }

    /// <summary>Password of the initial admin (8–100 characters). Change it after the first login.</summary>
    public string? InitialPassword { get; set; }

    /// <summary>
    /// Key an automation client may send in the <c>X-Mall-Admin-Key</c> header instead of logging in as an admin.
    /// When empty, the header is not accepted.
    /// </summary>
    public string? ApiKey { get; set; }
}
