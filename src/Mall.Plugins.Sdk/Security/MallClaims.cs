using System.Security.Claims;
using Mall.Customers;
using Mall.Security;

namespace Mall.Web.Security;

/// <summary>Claims of Mall's identities, and reading them back.</summary>
public static class MallClaims
{
    /// <summary>Bearer-token scheme for shoppers and admins who log in.</summary>
    public const string BearerScheme = "MallBearer";

    /// <summary>Role of a shopper.</summary>
    public const string ShopperRole = "MallShopper";

    /// <summary>Policy of every shopper endpoint.</summary>
    public const string ShopperPolicy = "Mall.Shopper";

    /// <summary>Prefix of an admin's own roles as claims (<c>mall:orders</c>).</summary>
    public const string AdminRolePrefix = "mall:";

    /// <summary>A shopper's principal.</summary>
    public static ClaimsPrincipal ForCustomer(Customer customer) => new(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, customer.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new Claim(ClaimTypes.Name, customer.Nickname),
            new Claim(ClaimTypes.Role, ShopperRole),
        ], BearerScheme));

    /// <summary>An admin's principal.</summary>
    public static ClaimsPrincipal ForAdmin(AdminAccount admin) => new(new ClaimsIdentity(
        new[]
        {
            new Claim(ClaimTypes.NameIdentifier, admin.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new Claim(ClaimTypes.Name, admin.UserName),
            new Claim(ClaimTypes.Role, MallAdminAuthentication.Role),
        }.Concat(admin.Roles.Select(r => new Claim(ClaimTypes.Role, AdminRolePrefix + r))), BearerScheme));

    /// <summary>The shopper's customer id; throws when the principal is not a shopper (the policy prevents that).</summary>
    public static long CustomerId(this ClaimsPrincipal user) =>
        user.IsInRole(ShopperRole) && long.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id)
            ? id
            : throw new InvalidOperationException("The caller is not a shopper.");

    /// <summary>
    /// Who acts, for order histories and the audit log: <c>customer:42</c>, <c>admin:alice</c>, <c>apikey:7</c> (an
    /// integration's API key) or <c>admin-key</c> (the configured operator key).
    /// </summary>
    public static string Actor(this ClaimsPrincipal user) =>
        user.IsInRole(ShopperRole) ? $"customer:{user.CustomerId()}"
        : user.Identity?.AuthenticationType == MallAdminAuthentication.Scheme ? "admin-key"
        : user.Identity?.AuthenticationType == ApiKeyScheme ? $"apikey:{user.FindFirstValue(ClaimTypes.NameIdentifier)}"
        : $"admin:{user.Identity?.Name}";

    /// <summary>Authentication scheme of integrations' API keys (header <c>X-Mall-Api-Key</c>).</summary>
    public const string ApiKeyScheme = "MallApiKey";
}
