using System.Text.Json.Serialization;

namespace Mall.Customers;

/// <summary>A shopper's account with member assets.</summary>
public sealed record Customer
{
    /// <summary>Identifier.</summary>
    public long Id { get; init; }
    /// <summary>Mobile number (login), if any.</summary>
    public string? Phone { get; init; }
    /// <summary>E-mail (login, lower case), if any.</summary>
    public string? Email { get; init; }
    /// <summary>Display name.</summary>
    public required string Nickname { get; init; }
    /// <summary>Member level (0 = ordinary).</summary>
    public int MemberLevel { get; init; }
    /// <summary>Growth value (成长值), which levels are based on.</summary>
    public long Growth { get; init; }
    /// <summary>Points (积分).</summary>
    public long Points { get; init; }
    /// <summary>Stored balance (余额).</summary>
    public decimal Balance { get; init; }
    /// <summary>Registered (UTC).</summary>
    public DateTime CreatedAt { get; init; }
}

/// <summary>A search of shoppers (<see cref="ICustomerService.ListAsync"/>).</summary>
public sealed record CustomerQuery
{
    /// <summary>The start of a phone number or e-mail, or part of a nickname (at most 100 characters).</summary>
    public string? Search { get; init; }

    /// <summary>Only shoppers of this member level.</summary>
    public int? MemberLevel { get; init; }

    /// <summary>Page, from 1.</summary>
    public int Page { get; init; } = 1;

    /// <summary>Shoppers per page (1 to 100).</summary>
    public int PageSize { get; init; } = 20;
}

/// <summary>A member asset kept as a ledger.</summary>
public enum CustomerAsset
{
    /// <summary>Points (积分).</summary>
    Points = 1,
    /// <summary>Stored balance in cents (余额).</summary>
    Balance = 2,
    /// <summary>Growth value (成长值).</summary>
    Growth = 3,
}

/// <summary>One change of a member asset: never a bare overwrite.</summary>
public sealed record CustomerLedgerEntry
{
    /// <summary>Identifier.</summary>
    public long Id { get; init; }
    /// <summary>Which asset.</summary>
    public CustomerAsset Asset { get; init; }
    /// <summary>Change (balance as money, others as units).</summary>
    public decimal Delta { get; init; }
    /// <summary>Value after the change.</summary>
    public decimal BalanceAfter { get; init; }
    /// <summary>Why.</summary>
    public required string Reason { get; init; }
    /// <summary>Idempotency key of the change.</summary>
    public required string Reference { get; init; }
    /// <summary>When (UTC).</summary>
    public DateTime CreatedAt { get; init; }
}

/// <summary>A change of a member asset.</summary>
/// <param name="Asset">Which asset.</param>
/// <param name="Delta">Change: whole units for points and growth, money (two decimals) for balance; not zero.</param>
/// <param name="Reason">Why (required, ≤ 200 characters).</param>
/// <param name="Reference">Idempotency key (≤ 100 characters): the same key applies once per customer and asset.</param>
public sealed record CustomerAssetChange(CustomerAsset Asset, decimal Delta, string Reason, string Reference);

/// <summary>Registration input: a phone or an e-mail (or both), a password and an optional nickname.</summary>
public sealed record RegisterCustomerInput
{
    /// <summary>Mobile number: 6–20 digits, optionally with a leading +.</summary>
    public string? Phone { get; init; }
    /// <summary>E-mail address.</summary>
    public string? Email { get; init; }
    /// <summary>Password: 8–100 characters.</summary>
    public string? Password { get; init; }
    /// <summary>Display name (≤ 50 characters).</summary>
    public string? Nickname { get; init; }
}

/// <summary>A delivery address of a shopper.</summary>
public sealed record CustomerAddress
{
    /// <summary>Identifier.</summary>
    public long Id { get; init; }
    /// <summary>The shopper.</summary>
    public long CustomerId { get; init; }
    /// <summary>Receiver's name.</summary>
    public required string Receiver { get; init; }
    /// <summary>Receiver's phone.</summary>
    public required string Phone { get; init; }
    /// <summary>Administrative region code of the district (6 digits in China, e.g. 110105), province and city derive from it.</summary>
    public required string RegionCode { get; init; }
    /// <summary>Street address.</summary>
    public required string Detail { get; init; }
    /// <summary>Postal code.</summary>
    public string? PostalCode { get; init; }
    /// <summary>The shopper's default address.</summary>
    public bool IsDefault { get; init; }
}

/// <summary>Input for an address.</summary>
public sealed record CustomerAddressInput
{
    /// <summary>Receiver's name (1–50 characters).</summary>
    [JsonRequired]
    public string? Receiver { get; init; }
    /// <summary>Receiver's phone (6–20 digits, optional leading +).</summary>
    public string? Phone { get; init; }
    /// <summary>Region code: 6–12 digits.</summary>
    public string? RegionCode { get; init; }
    /// <summary>Street address (1–200 characters).</summary>
    [JsonRequired]
    public string? Detail { get; init; }
    /// <summary>Postal code (≤ 10 characters).</summary>
    public string? PostalCode { get; init; }
    /// <summary>Make it the default address.</summary>
    public bool IsDefault { get; init; }
}

/// <summary>An identity vouched for by an external login provider.</summary>
/// <param name="Subject">The provider's stable id of the person (e.g. a WeChat openid).</param>
/// <param name="Nickname">A display name for a new account, if the provider has one.</param>
public sealed record ExternalIdentity(string Subject, string? Nickname);
