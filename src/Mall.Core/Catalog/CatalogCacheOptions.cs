namespace Mall.Catalog;

/// <summary>
/// Caching of the storefront's catalog reads (<c>Mall:Caching</c>): product by id, product lists, the category tree
/// and brands, in memory on each node and, with <c>Mall.Redis</c>, in Redis as a second level shared by all nodes.
/// Every catalog write drops what it changed on every node at once (through the cluster bus), so a changed price or
/// status is served by no node after the write has returned and the bus has delivered (milliseconds); stock figures on
/// product pages are at most <see cref="StockLifetime"/> old. Orders never read stock from a cache.
/// </summary>
public sealed class CatalogCacheOptions
{
    /// <summary>Cache catalog reads (default true). False: every read goes to the database.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How long a product read stays cached without a change (default 5 minutes): the bound on staleness should a
    /// node miss an invalidation message while it stays connected (after a reconnect a node drops everything).
    /// </summary>
    public TimeSpan ProductLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long lists (searches, categories, brands) stay cached without a change (default 1 minute).</summary>
    public TimeSpan ListLifetime { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How old the available-stock figures shown with a product may be (default 1 second, at most 10 s): stock moves
    /// with every order, so it is re-read at most this often per node instead of being invalidated on each order.
    /// </summary>
    public TimeSpan StockLifetime { get; set; } = TimeSpan.FromSeconds(1);
}
