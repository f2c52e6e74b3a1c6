using System.Text.RegularExpressions;
using Mall.Common;

namespace Mall.Carts;

/// <summary>Whose cart: a logged-in shopper's, or an anonymous session's (merged into the shopper's at login).</summary>
public readonly partial record struct CartOwner
{
    private CartOwner(string key) => Key = key;

    /// <summary>Stored owner key: <c>c:{customerId}</c> or <c>s:{session token}</c>.</summary>
    public string Key { get; }

    /// <summary>A shopper's cart.</summary>
    public static CartOwner Customer(long customerId) => new($"c:{customerId}");

    /// <summary>An anonymous session's cart; the token is the client's random secret (16–64 letters, digits, '-' or '_').</summary>
    public static CartOwner Session(string token) =>
        token is not null && SessionToken().IsMatch(token)
            ? new($"s:{token}")
            : throw new MallValidationException("cartSession", "must be 16–64 letters, digits, '-' or '_' (a random token the client keeps).");

    [GeneratedRegex("^[A-Za-z0-9_-]{16,64}$")]
    private static partial Regex SessionToken();
}

/// <summary>A cart line with the SKU as it is now: prices are recomputed on every read, never stored.</summary>
public sealed record CartLine
{
    /// <summary>The SKU.</summary>
    public long SkuId { get; init; }
    /// <summary>The product.</summary>
    public long ProductId { get; init; }
    /// <summary>Product name.</summary>
    public required string ProductName { get; init; }
    /// <summary>SKU code.</summary>
    public required string SkuCode { get; init; }
    /// <summary>Spec values.</summary>
    public IReadOnlyList<string> SpecValues { get; init; } = [];
    /// <summary>Image.</summary>
    public string? ImageUrl { get; init; }
    /// <summary>Current unit price.</summary>
    public decimal UnitPrice { get; init; }
    /// <summary>Units.</summary>
    public int Quantity { get; init; }
    /// <summary>Chosen for checkout.</summary>
    public bool Selected { get; init; }
    /// <summary>Units available now.</summary>
    public long Available { get; init; }
    /// <summary>The product is published and the SKU live; lines not on sale cannot be ordered.</summary>
    public bool OnSale { get; init; }
    /// <summary>Unit price × quantity.</summary>
    public decimal LineTotal => UnitPrice * Quantity;
}

/// <summary>A cart.</summary>
/// <param name="Lines">Lines, oldest first.</param>
/// <param name="SelectedSubtotal">Sum of selected lines that are on sale.</param>
/// <param name="SelectedQuantity">Units in selected lines that are on sale.</param>
public sealed record Cart(IReadOnlyList<CartLine> Lines, decimal SelectedSubtotal, int SelectedQuantity);

/// <summary>Change of a cart line.</summary>
/// <param name="Quantity">New quantity (1–999), or null to keep it.</param>
/// <param name="Selected">Select for checkout, or null to keep it.</param>
public sealed record CartLineChange(int? Quantity = null, bool? Selected = null);

/// <summary>A shopper's or session's cart.</summary>
public interface ICartService
{
    /// <summary>The cart with current prices and stock.</summary>
    Task<Cart> GetAsync(CartOwner owner, CancellationToken cancellationToken = default);

    /// <summary>Adds units of a SKU (to an existing line, if any; at most 999 per line, 100 lines).</summary>
    Task<Cart> AddAsync(CartOwner owner, long skuId, int quantity, CancellationToken cancellationToken = default);

    /// <summary>Changes a line's quantity or selection.</summary>
    Task<Cart> ChangeAsync(CartOwner owner, long skuId, CartLineChange change, CancellationToken cancellationToken = default);

    /// <summary>Removes a line.</summary>
    Task<Cart> RemoveAsync(CartOwner owner, long skuId, CancellationToken cancellationToken = default);

    /// <summary>Moves a session's lines into a shopper's cart (quantities add up, capped), emptying the session's cart.</summary>
    Task<Cart> MergeAsync(CartOwner session, long customerId, CancellationToken cancellationToken = default);

    /// <summary>The selected lines, inside the caller's transaction (order placement).</summary>
    Task<IReadOnlyList<Ordering.PlaceOrderLine>> SelectedLinesAsync(System.Data.Common.DbTransaction transaction, CartOwner owner, CancellationToken cancellationToken = default);

    /// <summary>Removes lines inside the caller's transaction (the ordered ones).</summary>
    Task RemoveLinesAsync(System.Data.Common.DbTransaction transaction, CartOwner owner, IReadOnlyList<long> skuIds, CancellationToken cancellationToken = default);
}
