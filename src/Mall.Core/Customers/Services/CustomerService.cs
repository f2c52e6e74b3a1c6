using System.Text.RegularExpressions;
using Dapper;
using Mall.Common;
using Mall.Data;
using Mall.Security;

namespace Mall.Customers.Services;

/// <summary>Default <see cref="ICustomerService"/> over the Mall database.</summary>
internal partial class CustomerService(IMallDatabase database, IPasswordHasher hasher, TimeProvider clock) : ICustomerService
{
    private const string Columns =
        "id AS Id, phone AS Phone, email AS Email, nickname AS Nickname, member_level AS MemberLevel, growth AS Growth, points AS Points, balance AS Balance, created_at AS CreatedAt";

    private const string AddressColumns =
        "id AS Id, customer_id AS CustomerId, receiver AS Receiver, phone AS Phone, region_code AS RegionCode, detail AS Detail, postal_code AS PostalCode, is_default AS IsDefault";

    private const int MaxAddresses = 20;

    private ISqlDialect Dialect => database.Dialect;

    [GeneratedRegex(@"^\+?[0-9]{6,20}$")]
    private static partial Regex PhonePattern();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"^[0-9]{6,12}$")]
    private static partial Regex RegionPattern();

    /// <inheritdoc />
    public Task<CustomerAddress?> FindAddressAsync(long customerId, long addressId, System.Data.Common.DbTransaction? transaction = null, CancellationToken cancellationToken = default) =>
        database.ReadAsync(transaction?.Connection, transaction, (connection, tx) => connection.QuerySingleOrDefaultAsync<CustomerAddress>(new CommandDefinition(
            $"SELECT {AddressColumns} FROM mall_customer_address WHERE id = @addressId AND customer_id = @customerId", new { addressId, customerId }, tx, cancellationToken: cancellationToken)), cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<long, int>> GetMemberLevelsAsync(IReadOnlyCollection<long> customerIds, System.Data.Common.DbTransaction? transaction = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(customerIds);
        if (customerIds.Count > 1000) throw new ArgumentOutOfRangeException(nameof(customerIds), customerIds.Count, "At most 1,000 shoppers per call.");
        if (customerIds.Count == 0) return new Dictionary<long, int>();
        var ids = customerIds.Distinct().ToList();
        var rows = await database.ReadAsync(transaction?.Connection, transaction, (connection, tx) => connection.QueryAsync<(long Id, int Level)>(new CommandDefinition(
            $"SELECT id, member_level FROM mall_customer WHERE {database.Dialect.InList("id", "@ids")}", new { ids }, tx, cancellationToken: cancellationToken)), cancellationToken).ConfigureAwait(false);
        return rows.ToDictionary(r => r.Id, r => r.Level);
    }

    /// <inheritdoc />
    public async Task<Customer> RegisterAsync(RegisterCustomerInput input, CancellationToken cancellationToken = default)
    {
        var errors = new ValidationErrors();
        var phone = string.IsNullOrWhiteSpace(input.Phone) ? null : input.Phone.Trim();
        var email = string.IsNullOrWhiteSpace(input.Email) ? null : input.Email.Trim().ToLowerInvariant();
        if (phone is null && email is null) errors.Add("phone", "A phone number or an e-mail address is required.");
        if (phone is not null && !PhonePattern().IsMatch(phone)) errors.Add("phone", "must be 6–20 digits, optionally with a leading +.");
        if (email is not null && (email.Length > 200 || !EmailPattern().IsMatch(email))) errors.Add("email", "is not a valid e-mail address (at most 200 characters).");
        if (input.Password is null || input.Password.Length is < 8 or > 100) errors.Add("password", "must be 8–100 characters.");
        errors.MaxLength("nickname", input.Nickname, 50);
        errors.ThrowIfAny();

        var nickname = string.IsNullOrWhiteSpace(input.Nickname) ? (phone is not null ? "用户" + phone[^4..] : email!.Split('@')[0]) : input.Nickname.Trim();
        var hash = hasher.Hash(input.Password!);
        try
        {
            var id = await database.InTransactionAsync(tx => tx.Connection!.ExecuteScalarAsync<long>(new CommandDefinition(
                Dialect.InsertReturningId(
                    "INSERT INTO mall_customer (phone, email, password_hash, nickname, member_level, growth, points, balance, created_at, updated_at) " +
                    "VALUES (@phone, @email, @hash, @nickname, 0, 0, 0, 0, @now, @now)", "id"),
                new { phone, email, hash, nickname = nickname.Length > 50 ? nickname[..50] : nickname, now = clock.GetUtcNow().UtcDateTime }, tx, cancellationToken: cancellationToken)),
                cancellationToken).ConfigureAwait(false);
            return (await FindAsync(id, cancellationToken).ConfigureAwait(false))!;
        }
        catch (Exception ex) when (Dialect.IsUniqueViolation(ex))
        {
            throw new MallConflictException("An account with this phone number or e-mail address exists already.") { Code = "customer.duplicate_login" };
        }
    }

    /// <inheritdoc />
    public async Task<Customer?> VerifyPasswordAsync(string login, string password, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(login) || string.IsNullOrEmpty(password) || login.Length > 200 || password.Length > 100) return null;
        var normalized = login.Trim().Contains('@') ? login.Trim().ToLowerInvariant() : login.Trim();
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = (await connection.QueryAsync<(long Id, string? Hash)>(new CommandDefinition(
            "SELECT id, password_hash FROM mall_customer WHERE phone = @login OR email = @login", new { login = normalized }, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        if (rows.Count != 1 || rows[0].Hash is not { } storedHash || !hasher.Verify(storedHash, password)) return null;
        return await FindAsync(rows[0].Id, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<Customer> LoginExternalAsync(string provider, ExternalIdentity identity, CancellationToken cancellationToken = default)
    {
        var errors = new ValidationErrors();
        errors.Required("provider", provider, 50);
        errors.Required("subject", identity.Subject, 200);
        errors.ThrowIfAny();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var id = await database.InTransactionAsync(async tx =>
                {
                    var connection = tx.Connection!;
                    var linked = await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(
                        "SELECT customer_id FROM mall_customer_login WHERE provider = @provider AND subject = @Subject", new { provider, identity.Subject }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
                    if (linked is { } existing) return existing;
                    var now = clock.GetUtcNow().UtcDateTime;
                    var nickname = string.IsNullOrWhiteSpace(identity.Nickname) ? "用户" : identity.Nickname.Trim();
                    var customerId = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                        Dialect.InsertReturningId(
                            "INSERT INTO mall_customer (phone, email, password_hash, nickname, member_level, growth, points, balance, created_at, updated_at) " +
                            "VALUES (NULL, NULL, NULL, @nickname, 0, 0, 0, 0, @now, @now)", "id"),
                        new { nickname = nickname.Length > 50 ? nickname[..50] : nickname, now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
                    await connection.ExecuteAsync(new CommandDefinition(
                        "INSERT INTO mall_customer_login (provider, subject, customer_id, created_at) VALUES (@provider, @Subject, @customerId, @now)",
                        new { provider, identity.Subject, customerId, now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
                    return customerId;
                }, cancellationToken).ConfigureAwait(false);
                return (await FindAsync(id, cancellationToken).ConfigureAwait(false))!;
            }
            catch (Exception ex) when (attempt == 0 && Dialect.IsUniqueViolation(ex))
            {
                // A concurrent first login linked the identity; the second attempt finds that link.
            }
        }
    }

    /// <inheritdoc />
    public async Task<PagedResult<Customer>> ListAsync(CustomerQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var errors = new ValidationErrors();
        Paging.Validate(errors, query.Page, query.PageSize);
        errors.MaxLength("search", query.Search, 100);
        if (query.MemberLevel is { } level) errors.Range("memberLevel", level, 0, 1000);
        errors.ThrowIfAny();

        var where = new System.Text.StringBuilder("1 = 1");
        var parameters = new DynamicParameters();
        if (query.Search?.Trim() is { Length: > 0 } search)
        {
            var escaped = SqlLike.Escape(search);
            where.Append(" AND (phone LIKE @prefix ESCAPE '!' OR ").Append(Dialect.ContainsIgnoreCase("email", "@lowerPrefix"))
                .Append(" OR ").Append(Dialect.ContainsIgnoreCase("nickname", "@part")).Append(')');
            parameters.Add("prefix", escaped + "%");
            parameters.Add("lowerPrefix", escaped.ToLowerInvariant() + "%");
            parameters.Add("part", "%" + escaped + "%");
        }
        if (query.MemberLevel is { } memberLevel) { where.Append(" AND member_level = @memberLevel"); parameters.Add("memberLevel", memberLevel); }
        parameters.Add("skip", (query.Page - 1) * query.PageSize);
        parameters.Add("take", query.PageSize);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT COUNT(*) FROM mall_customer WHERE {where}", parameters, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var rows = await connection.QueryAsync<CustomerRow>(new CommandDefinition(
            $"SELECT {Columns} FROM mall_customer WHERE {where} ORDER BY id DESC {Dialect.Page("@skip", "@take")}", parameters, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new PagedResult<Customer>(rows.Select(r => r.ToCustomer()).ToList(), query.Page, query.PageSize, total);
    }

    /// <inheritdoc />
    public async Task<Customer?> FindAsync(long customerId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<CustomerRow>(new CommandDefinition(
            $"SELECT {Columns} FROM mall_customer WHERE id = @customerId", new { customerId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToCustomer();
    }

    /// <inheritdoc />
    public async Task<Customer> ChangeAssetAsync(long customerId, CustomerAssetChange change, CancellationToken cancellationToken = default)
    {
        var errors = new ValidationErrors();
        if (!Enum.IsDefined(change.Asset)) errors.Add("asset", "is not a known asset.");
        if (change.Delta == 0) errors.Add("delta", "must not be zero.");
        else if (change.Asset == CustomerAsset.Balance ? decimal.Round(change.Delta, 2) != change.Delta : decimal.Truncate(change.Delta) != change.Delta)
            errors.Add("delta", change.Asset == CustomerAsset.Balance ? "must have at most two decimal places." : "must be a whole number.");
        else if (Math.Abs(change.Delta) > 1_000_000_000m) errors.Add("delta", "is too large.");
        errors.Required("reason", change.Reason, 200);
        errors.Required("reference", change.Reference, 100);
        errors.ThrowIfAny();

        var column = change.Asset switch { CustomerAsset.Points => "points", CustomerAsset.Balance => "balance", _ => "growth" };
        var delta = change.Asset == CustomerAsset.Balance ? Money.ToCents(change.Delta) : (long)change.Delta;
        var reference = change.Reference.Trim();
        await database.InTransactionAsync(async tx =>
        {
            var connection = tx.Connection!;
            // Lock the customer first: changes of one customer then apply, and get ledger ids, in one order, so
            // the ledger reads as a running balance.
            var current = (await connection.QueryAsync<long>(new CommandDefinition(
                $"SELECT {column} FROM mall_customer WHERE id = @customerId{Dialect.ForUpdate}", new { customerId }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
            if (current.Count == 0) throw new MallNotFoundException($"Customer {customerId} does not exist.");
            var seen = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COUNT(*) FROM mall_customer_ledger WHERE customer_id = @customerId AND asset = @asset AND reference = @reference",
                new { customerId, asset = (short)change.Asset, reference }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (seen > 0) return 0; // a repeated reference changes nothing

            var now = clock.GetUtcNow().UtcDateTime;
            var updated = await connection.ExecuteAsync(new CommandDefinition(
                $"UPDATE mall_customer SET {column} = {column} + @delta, updated_at = @now WHERE id = @customerId AND {column} + @delta >= 0",
                new { customerId, delta, now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (updated == 0) throw new MallConflictException($"The customer's {column} would go below zero.") { Code = "customer.insufficient_" + column };
            return await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO mall_customer_ledger (customer_id, asset, delta, balance_after, reason, reference, created_at) VALUES (@customerId, @asset, @delta, @after, @reason, @reference, @now)",
                new { customerId, asset = (short)change.Asset, delta, after = current[0] + delta, reason = change.Reason.Trim(), reference, now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return await FindAsync(customerId, cancellationToken).ConfigureAwait(false) ?? throw new MallNotFoundException($"Customer {customerId} does not exist.");
    }

    /// <inheritdoc />
    public async Task<PagedResult<CustomerLedgerEntry>> GetLedgerAsync(long customerId, int page, int pageSize, CancellationToken cancellationToken = default)
    {
        var errors = new ValidationErrors();
        Paging.Validate(errors, page, pageSize);
        errors.ThrowIfAny();
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM mall_customer_ledger WHERE customer_id = @customerId", new { customerId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var rows = await connection.QueryAsync<LedgerRow>(new CommandDefinition(
            "SELECT id AS Id, asset AS Asset, delta AS Delta, balance_after AS BalanceAfter, reason AS Reason, reference AS Reference, created_at AS CreatedAt " +
            $"FROM mall_customer_ledger WHERE customer_id = @customerId ORDER BY id DESC {Dialect.Page("@skip", "@take")}",
            new { customerId, skip = (page - 1) * pageSize, take = pageSize }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new PagedResult<CustomerLedgerEntry>(rows.Select(r => r.ToEntry()).ToList(), page, pageSize, total);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CustomerAddress>> ListAddressesAsync(long customerId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<CustomerAddress>(new CommandDefinition(
            $"SELECT {AddressColumns} FROM mall_customer_address WHERE customer_id = @customerId ORDER BY is_default DESC, id", new { customerId }, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
    }

    /// <inheritdoc />
    public async Task<CustomerAddress> AddAddressAsync(long customerId, CustomerAddressInput input, CancellationToken cancellationToken = default)
    {
        ValidateAddress(input);
        var id = await database.InTransactionAsync(async tx =>
        {
            var connection = tx.Connection!;
            var count = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COUNT(*) FROM mall_customer_address WHERE customer_id = @customerId", new { customerId }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (count >= MaxAddresses) throw new MallConflictException($"A shopper keeps at most {MaxAddresses} addresses.") { Code = "address.too_many" };
            var isDefault = input.IsDefault || count == 0;
            if (isDefault) await ClearDefaultAsync(tx, customerId, cancellationToken).ConfigureAwait(false);
            var now = clock.GetUtcNow().UtcDateTime;
            return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                Dialect.InsertReturningId(
                    "INSERT INTO mall_customer_address (customer_id, receiver, phone, region_code, detail, postal_code, is_default, created_at, updated_at) " +
                    "VALUES (@customerId, @Receiver, @Phone, @RegionCode, @Detail, @PostalCode, @isDefault, @now, @now)", "id"),
                new { customerId, Receiver = input.Receiver!.Trim(), Phone = input.Phone!.Trim(), RegionCode = input.RegionCode!.Trim(), Detail = input.Detail!.Trim(), input.PostalCode, isDefault, now },
                tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return (await ListAddressesAsync(customerId, cancellationToken).ConfigureAwait(false)).Single(a => a.Id == id);
    }

    /// <inheritdoc />
    public async Task<CustomerAddress> UpdateAddressAsync(long customerId, long addressId, CustomerAddressInput input, CancellationToken cancellationToken = default)
    {
        ValidateAddress(input);
        await database.InTransactionAsync(async tx =>
        {
            if (input.IsDefault) await ClearDefaultAsync(tx, customerId, cancellationToken).ConfigureAwait(false);
            var changed = await tx.Connection!.ExecuteAsync(new CommandDefinition(
                "UPDATE mall_customer_address SET receiver = @Receiver, phone = @Phone, region_code = @RegionCode, detail = @Detail, postal_code = @PostalCode, " +
                $"is_default = {(input.IsDefault ? "TRUE" : "is_default")}, updated_at = @now WHERE id = @addressId AND customer_id = @customerId",
                new { customerId, addressId, Receiver = input.Receiver!.Trim(), Phone = input.Phone!.Trim(), RegionCode = input.RegionCode!.Trim(), Detail = input.Detail!.Trim(), input.PostalCode, now = clock.GetUtcNow().UtcDateTime },
                tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            // Someone else's address and a missing one answer alike, so that ids cannot be probed.
            if (changed == 0) throw new MallNotFoundException($"Address {addressId} does not exist.");
            return changed;
        }, cancellationToken).ConfigureAwait(false);
        return (await ListAddressesAsync(customerId, cancellationToken).ConfigureAwait(false)).Single(a => a.Id == addressId);
    }

    /// <inheritdoc />
    public async Task DeleteAddressAsync(long customerId, long addressId, CancellationToken cancellationToken = default)
    {
        await database.InTransactionAsync(async tx =>
        {
            var deleted = await tx.Connection!.ExecuteAsync(new CommandDefinition(
                "DELETE FROM mall_customer_address WHERE id = @addressId AND customer_id = @customerId", new { customerId, addressId }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (deleted == 0) throw new MallNotFoundException($"Address {addressId} does not exist.");
            return deleted;
        }, cancellationToken).ConfigureAwait(false);
    }

    private static Task<int> ClearDefaultAsync(System.Data.Common.DbTransaction tx, long customerId, CancellationToken cancellationToken) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition(
            "UPDATE mall_customer_address SET is_default = FALSE WHERE customer_id = @customerId AND is_default = TRUE", new { customerId }, tx, cancellationToken: cancellationToken));

    private static void ValidateAddress(CustomerAddressInput input)
    {
        var errors = new ValidationErrors();
        errors.Required("receiver", input.Receiver, 50);
        if (string.IsNullOrWhiteSpace(input.Phone) || !PhonePattern().IsMatch(input.Phone.Trim())) errors.Add("phone", "must be 6–20 digits, optionally with a leading +.");
        if (string.IsNullOrWhiteSpace(input.RegionCode) || !RegionPattern().IsMatch(input.RegionCode.Trim())) errors.Add("regionCode", "must be 6–12 digits (an administrative region code).");
        errors.Required("detail", input.Detail, 200);
        errors.MaxLength("postalCode", input.PostalCode, 10);
        errors.ThrowIfAny();
    }

    private sealed class CustomerRow
    {
        public long Id { get; set; }
        public string? Phone { get; set; }
        public string? Email { get; set; }
        public string Nickname { get; set; } = "";
        public int MemberLevel { get; set; }
        public long Growth { get; set; }
        public long Points { get; set; }
        public long Balance { get; set; }
        public DateTime CreatedAt { get; set; }

        public Customer ToCustomer() => new()
        {
            Id = Id, Phone = Phone, Email = Email, Nickname = Nickname, MemberLevel = MemberLevel, Growth = Growth, Points = Points,
            Balance = Money.FromCents(Balance), CreatedAt = Utc.Of(CreatedAt),
        };
    }

    private sealed class LedgerRow
    {
        public long Id { get; set; }
        public short Asset { get; set; }
        public long Delta { get; set; }
        public long BalanceAfter { get; set; }
        public string Reason { get; set; } = "";
        public string Reference { get; set; } = "";
        public DateTime CreatedAt { get; set; }

        public CustomerLedgerEntry ToEntry()
        {
            var asset = (CustomerAsset)Asset;
            decimal Scale(long v) => asset == CustomerAsset.Balance ? Money.FromCents(v) : v;
            return new CustomerLedgerEntry { Id = Id, Asset = asset, Delta = Scale(Delta), BalanceAfter = Scale(BalanceAfter), Reason = Reason, Reference = Reference, CreatedAt = Utc.Of(CreatedAt) };
        }
    }
}
