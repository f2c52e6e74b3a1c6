using System.ComponentModel;
using Mall.Clustering;
using Mall.Diagnostics;
using Mall.Inventory;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;

namespace Mall.Catalog.Services;

/// <summary>
/// The catalog's read cache over <see cref="HybridCache"/>. Products by id live in both levels (memory, and Redis when
/// configured); lists and stock figures in memory only. A write calls <c>Invalidate…</c> after its commit: the entry
/// goes at once here and, through the cluster bus, on every other node; a node told it may have missed messages drops
/// everything.
/// </summary>
internal sealed class CatalogCache : IDisposable
{
    public const string Topic = "mall.catalog";
    private const string ListsTag = "catalog:lists";

    private readonly HybridCache _cache;
    private readonly IClusterBus _bus;
    private readonly MallMetrics _metrics;
    private readonly CatalogCacheOptions _options;
    private readonly HybridCacheEntryOptions _product;
    private readonly HybridCacheEntryOptions _list;
    private readonly HybridCacheEntryOptions _stock;
    private readonly IDisposable _subscription;

    public CatalogCache(HybridCache cache, IClusterBus bus, MallMetrics metrics, IOptions<MallOptions> options)
    {
        _cache = cache;
        _bus = bus;
        _metrics = metrics;
        _options = options.Value.Caching;
        _product = new HybridCacheEntryOptions { Expiration = _options.ProductLifetime, LocalCacheExpiration = _options.ProductLifetime };
        _list = new HybridCacheEntryOptions { Expiration = _options.ListLifetime, LocalCacheExpiration = _options.ListLifetime, Flags = HybridCacheEntryFlags.DisableDistributedCache };
        _stock = new HybridCacheEntryOptions { Expiration = _options.StockLifetime, LocalCacheExpiration = _options.StockLifetime, Flags = HybridCacheEntryFlags.DisableDistributedCache };
        _subscription = bus.Subscribe(Topic, OnMessageAsync);
    }

    public bool Enabled => _options.Enabled;

    /// <summary>The storefront's product <paramref name="id"/> without stock figures (null: not on sale).</summary>
    public async ValueTask<Product?> GetProductAsync(long id, Func<CancellationToken, Task<Product?>> read, CancellationToken cancellationToken)
    {
        var missed = new StrongBox();
        var entry = await _cache.GetOrCreateAsync(ProductKey(id), (read, missed), static async (state, ct) =>
        {
            state.missed.Value = true;
            return new CachedValue<Product?>(await state.read(ct).ConfigureAwait(false));
        }, _product, [ProductTag(id)], cancellationToken).ConfigureAwait(false);
        _metrics.CacheRead("catalog.product", hit: !missed.Value);
        return entry.Value;
    }

    /// <summary>A list (search page, category tree, brands) under <paramref name="key"/>.</summary>
    public async ValueTask<T> GetListAsync<T>(string key, Func<CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        var missed = new StrongBox();
        var entry = await _cache.GetOrCreateAsync("catalog:list:" + key, (read, missed), static async (state, ct) =>
        {
            state.missed.Value = true;
            return new CachedValue<T>(await state.read(ct).ConfigureAwait(false));
        }, _list, [ListsTag], cancellationToken).ConfigureAwait(false);
        _metrics.CacheRead("catalog.list", hit: !missed.Value);
        return entry.Value;
    }

    /// <summary>
    /// The storefront's view of product <paramref name="id"/>: the cached product with stock figures at most
    /// <see cref="CatalogCacheOptions.StockLifetime"/> old, the same object for every read meanwhile (so that pages
    /// rendered from it can be kept), dropped with the product.
    /// </summary>
    public async ValueTask<Product?> GetStorefrontViewAsync(long id, Func<CancellationToken, Task<Product?>> read, Func<Product, CancellationToken, Task<Product>> withStock, CancellationToken cancellationToken)
    {
        var missed = new StrongBox();
        var entry = await _cache.GetOrCreateAsync("catalog:view:" + id, (cache: this, id, read, withStock, missed), static async (state, ct) =>
        {
            state.missed.Value = true;
            var product = await state.cache.GetProductAsync(state.id, state.read, ct).ConfigureAwait(false);
            return new CachedValue<Product?>(product is null || product.Skus.Count == 0 ? product : await state.withStock(product, ct).ConfigureAwait(false));
        }, _stock, [ProductTag(id)], cancellationToken).ConfigureAwait(false);
        _metrics.CacheRead("catalog.view", hit: !missed.Value);
        return entry.Value;
    }

    /// <summary>Product <paramref name="id"/> changed (and with it every list it may be on).</summary>
    public Task InvalidateProductAsync(long id, CancellationToken cancellationToken) => InvalidateAsync("product:" + id, cancellationToken);

    /// <summary>Categories or brands changed (lists only).</summary>
    public Task InvalidateListsAsync(CancellationToken cancellationToken) => InvalidateAsync("lists", cancellationToken);

    private async Task InvalidateAsync(string what, CancellationToken cancellationToken)
    {
        await DropAsync(what).ConfigureAwait(false);
        // Every node, this one included (its handler drops again: harmless).
        await _bus.PublishAsync(Topic, what, CancellationToken.None).ConfigureAwait(false);
    }

    private Task OnMessageAsync(ClusterMessage message, CancellationToken cancellationToken) =>
        message.IsCatchUp ? _cache.RemoveByTagAsync("*", CancellationToken.None).AsTask() : DropAsync(message.Payload);

    private async Task DropAsync(string what)
    {
        if (what.StartsWith("product:", StringComparison.Ordinal) && long.TryParse(what.AsSpan("product:".Length), out var id))
        {
            // By key: removes the Redis copy too, so another node's next read cannot fetch the old value from there.
            await _cache.RemoveAsync(ProductKey(id), CancellationToken.None).ConfigureAwait(false);
            await _cache.RemoveByTagAsync(ProductTag(id), CancellationToken.None).ConfigureAwait(false);
        }
        await _cache.RemoveByTagAsync(ListsTag, CancellationToken.None).ConfigureAwait(false);
    }

    private static string ProductKey(long id) => "catalog:product:" + id;

    private static string ProductTag(long id) => "catalog:product:" + id;

    public void Dispose() => _subscription.Dispose();

    /// <summary>A cached value (null included), marked immutable so that memory hits are served without a copy.</summary>
    [ImmutableObject(true)]
    internal sealed record CachedValue<T>(T Value);

    private sealed class StrongBox
    {
        public bool Value;
    }
}
