namespace Mall.Security;

/// <summary>An admin identity.</summary>
/// <param name="Id">Identifier.</param>
/// <param name="UserName">Login name.</param>
/// <param name="Roles">Roles from <see cref="AdminRoles"/>; each opens one area of the admin API, <c>owner</c> opens all.</param>
public sealed record AdminAccount(long Id, string UserName, IReadOnlyList<string> Roles);

/// <summary>Admin identities with roles.</summary>
public interface IAdminAccountService
{
    /// <summary>Creates an admin.</summary>
    /// <exception cref="Common.MallValidationException">A bad name or password, no role, or a role not in <see cref="AdminRoles"/>.</exception>
    /// <exception cref="Common.MallConflictException">The user name is taken.</exception>
    Task<AdminAccount> CreateAsync(string userName, string password, IReadOnlyList<string> roles, CancellationToken cancellationToken = default);

    /// <summary>The admin with these credentials, or null.</summary>
    Task<AdminAccount?> VerifyPasswordAsync(string userName, string password, CancellationToken cancellationToken = default);

    /// <summary>One admin, or null.</summary>
    Task<AdminAccount?> FindAsync(long adminId, CancellationToken cancellationToken = default);

    /// <summary>Every admin, by user name.</summary>
    Task<IReadOnlyList<AdminAccount>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>How many admins exist.</summary>
    Task<long> CountAsync(CancellationToken cancellationToken = default);
}
