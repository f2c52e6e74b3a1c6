using Mall.Common;

namespace Mall.Customers;

/// <summary>Shopper accounts, their addresses and member assets.</summary>
public interface ICustomerService
{
    /// <summary>Registers a shopper. Phone and e-mail are unique.</summary>
    /// <exception cref="MallConflictException">The phone or e-mail is taken (code <c>customer.duplicate_login</c>).</exception>
    Task<Customer> RegisterAsync(RegisterCustomerInput input, CancellationToken cancellationToken = default);

    /// <summary>The shopper whose phone or e-mail is <paramref name="login"/> and whose password matches, or null.</summary>
    Task<Customer?> VerifyPasswordAsync(string login, string password, CancellationToken cancellationToken = default);

    /// <summary>The shopper linked to an external identity, created and linked on first login.</summary>
    Task<Customer> LoginExternalAsync(string provider, ExternalIdentity identity, CancellationToken cancellationToken = default);

    /// <summary>One shopper, or null.</summary>
    Task<Customer?> FindAsync(long customerId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Shoppers for the console, newest first: <see cref="CustomerQuery.Search"/> matches the start of a phone number
    /// or e-mail, or any part of a nickname (ignoring case).
    /// </summary>
    /// <exception cref="Common.MallValidationException">Bad paging or search.</exception>
    Task<PagedResult<Customer>> ListAsync(CustomerQuery query, CancellationToken cancellationToken = default);

    /// <summary>Changes a member asset through the ledger; idempotent by reference; never below zero.</summary>
    Task<Customer> ChangeAssetAsync(long customerId, CustomerAssetChange change, CancellationToken cancellationToken = default);

    /// <summary>A shopper's ledger, newest first.</summary>
    Task<PagedResult<CustomerLedgerEntry>> GetLedgerAsync(long customerId, int page, int pageSize, CancellationToken cancellationToken = default);

    /// <summary>A shopper's addresses, default first.</summary>
    Task<IReadOnlyList<CustomerAddress>> ListAddressesAsync(long customerId, CancellationToken cancellationToken = default);

    /// <summary>Adds an address (the first one becomes the default).</summary>
    Task<CustomerAddress> AddAddressAsync(long customerId, CustomerAddressInput input, CancellationToken cancellationToken = default);

    /// <summary>Changes one of the shopper's addresses; another shopper's address is "not found".</summary>
    Task<CustomerAddress> UpdateAddressAsync(long customerId, long addressId, CustomerAddressInput input, CancellationToken cancellationToken = default);

    /// <summary>Deletes one of the shopper's addresses.</summary>
    Task DeleteAddressAsync(long customerId, long addressId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The member level of each shopper of <paramref name="customerIds"/> that exists (at most 1,000 ids per call):
    /// for other features' rules (promotions' member levels, coupons granted to shoppers), read in
    /// <paramref name="transaction"/> when given.
    /// </summary>
    Task<IReadOnlyDictionary<long, int>> GetMemberLevelsAsync(IReadOnlyCollection<long> customerIds, System.Data.Common.DbTransaction? transaction = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// One of the shopper's own addresses, or null (another shopper's address reads as missing): for orders, which keep
    /// a snapshot of it. Read in <paramref name="transaction"/> when given.
    /// </summary>
    Task<CustomerAddress?> FindAddressAsync(long customerId, long addressId, System.Data.Common.DbTransaction? transaction = null, CancellationToken cancellationToken = default);
}
