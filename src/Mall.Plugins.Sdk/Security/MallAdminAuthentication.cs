namespace Mall.Web.Security;

/// <summary>Names of Mall's admin authentication scheme, role and policy.</summary>
public static class MallAdminAuthentication
{
    /// <summary>Authentication scheme of the admin key.</summary>
    public const string Scheme = "MallAdminKey";

    /// <summary>Header carrying the admin key.</summary>
    public const string HeaderName = "X-Mall-Admin-Key";

    /// <summary>Role of an admin.</summary>
    public const string Role = "MallAdmin";

    /// <summary>Authorization policy every admin endpoint requires.</summary>
    public const string Policy = "Mall.Admin";

    /// <summary>
    /// Name of the policy for one area of the admin API: an admin holding <paramref name="role"/> or
    /// <see cref="Mall.Security.AdminRoles.Owner"/> (<c>Mall.Admin.catalog</c>, …).
    /// </summary>
    public static string PolicyFor(string role) => $"{Policy}.{role}";
}
