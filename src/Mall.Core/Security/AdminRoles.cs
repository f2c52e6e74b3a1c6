namespace Mall.Security;

/// <summary>
/// The admin roles Mall knows. An admin holds one or more; <see cref="Owner"/> may do everything, each other role
/// opens one area of the admin API. Roles are checked when an admin is created, so a typo cannot grant nothing
/// silently.
/// </summary>
public static class AdminRoles
{
    /// <summary>Everything, including admins, plugins and themes.</summary>
    public const string Owner = "owner";

    /// <summary>Categories, brands, products and stock.</summary>
    public const string Catalog = "catalog";

    /// <summary>Orders: queries, shipping, cancellation, transitions.</summary>
    public const string Orders = "orders";

    /// <summary>Customers and their assets (points, balance).</summary>
    public const string Customers = "customers";

    /// <summary>Every known role.</summary>
    public static IReadOnlyList<string> All { get; } = [Owner, Catalog, Orders, Customers];

    /// <summary>Whether <paramref name="role"/> is a known role (case-sensitive, as stored).</summary>
    public static bool IsKnown(string role) => All.Contains(role, StringComparer.Ordinal);
}
