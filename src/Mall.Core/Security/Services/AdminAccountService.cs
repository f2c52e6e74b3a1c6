using Dapper;
using Mall.Common;
using Mall.Data;

namespace Mall.Security.Services;

/// <summary>Default <see cref="IAdminAccountService"/> over the Mall database.</summary>
internal sealed class AdminAccountService(IMallDatabase database, IPasswordHasher hasher, TimeProvider clock) : IAdminAccountService
{
    /// <inheritdoc />
    public async Task<AdminAccount> CreateAsync(string userName, string password, IReadOnlyList<string> roles, CancellationToken cancellationToken = default)
    {
        var errors = new ValidationErrors();
        errors.Required("userName", userName, 50);
        if (password is null || password.Length is < 8 or > 100) errors.Add("password", "must be 8–100 characters.");
        if (roles is null || roles.Count == 0) errors.Add("roles", "at least one role is required.");
        else if (roles.Where(r => r is null || !AdminRoles.IsKnown(r.Trim())).ToList() is { Count: > 0 } unknown)
            errors.Add("roles", $"unknown role(s) '{string.Join("', '", unknown)}'; known roles are {string.Join(", ", AdminRoles.All)}.");
        errors.ThrowIfAny();
        var name = userName.Trim();
        try
        {
            var id = await database.InTransactionAsync(tx => tx.Connection!.ExecuteScalarAsync<long>(new CommandDefinition(
                database.Dialect.InsertReturningId("INSERT INTO mall_admin (user_name, password_hash, roles, created_at) VALUES (@name, @hash, @roles, @now)", "id"),
                new { name, hash = hasher.Hash(password!), roles = string.Join(',', roles!.Select(r => r.Trim()).Distinct()), now = clock.GetUtcNow().UtcDateTime }, tx, cancellationToken: cancellationToken)),
                cancellationToken).ConfigureAwait(false);
            return new AdminAccount(id, name, roles!.Select(r => r.Trim()).Distinct().ToList());
        }
        catch (Exception ex) when (database.Dialect.IsUniqueViolation(ex))
        {
            throw new MallConflictException($"An admin named '{name}' exists already.") { Code = "admin.duplicate_name" };
        }
    }

    /// <inheritdoc />
    public async Task<AdminAccount?> VerifyPasswordAsync(string userName, string password, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(userName) || string.IsNullOrEmpty(password) || userName.Length > 50 || password.Length > 100) return null;
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = (await connection.QueryAsync<(long Id, string UserName, string Hash, string Roles)>(new CommandDefinition(
            "SELECT id, user_name, password_hash, roles FROM mall_admin WHERE user_name = @name", new { name = userName.Trim() }, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        if (rows.Count != 1 || !hasher.Verify(rows[0].Hash, password)) return null;
        return new AdminAccount(rows[0].Id, rows[0].UserName, rows[0].Roles.Split(',', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <inheritdoc />
    public async Task<AdminAccount?> FindAsync(long adminId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = (await connection.QueryAsync<(long Id, string UserName, string Roles)>(new CommandDefinition(
            "SELECT id, user_name, roles FROM mall_admin WHERE id = @adminId", new { adminId }, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        return rows.Count == 1 ? new AdminAccount(rows[0].Id, rows[0].UserName, rows[0].Roles.Split(',', StringSplitOptions.RemoveEmptyEntries)) : null;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<AdminAccount>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(long Id, string UserName, string Roles)>(new CommandDefinition(
            "SELECT id, user_name, roles FROM mall_admin ORDER BY user_name", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => new AdminAccount(r.Id, r.UserName, r.Roles.Split(',', StringSplitOptions.RemoveEmptyEntries))).ToList();
    }

    /// <inheritdoc />
    public async Task<long> CountAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM mall_admin", cancellationToken: cancellationToken)).ConfigureAwait(false);
    }
}
