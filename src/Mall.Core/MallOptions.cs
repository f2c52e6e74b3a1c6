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
}

/// <summary>Access to the admin API until admin identities arrive.</summary>
public sealed class MallAdminOptions
{
    /// <summary>
    /// Key an admin client sends in the <c>X-Mall-Admin-Key</c> header. When empty, every admin endpoint
    /// answers 401: the admin API is closed unless a key is configured.
    /// </summary>
    public string? ApiKey { get; set; }
}
