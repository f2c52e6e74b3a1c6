using System.Runtime.CompilerServices;
using System.Text.Json;
using Mall.Catalog;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Mall.Web.Catalog;

/// <summary>
/// The storefront's JSON of a product, kept with the product object it was made from. The catalog cache hands out the
/// same object for every read of a product while its stock figures are current (at most a second), so the projection
/// and the serialization are done once per product and second instead of once per request — the hottest read of a
/// mall. A changed product or newer stock is a new object, and so a new entry; entries go with their objects.
/// </summary>
internal sealed class StorefrontProductJson(IOptions<JsonOptions> options, IOptions<MallOptions> mall)
{
    private readonly ConditionalWeakTable<Product, byte[]> _json = new();
    // One delegate for every lookup (a method group would allocate one per call on the hot path).
    private readonly ConditionalWeakTable<Product, byte[]>.CreateValueCallback _serialize =
        product => JsonSerializer.SerializeToUtf8Bytes(StorefrontProduct.From(product), options.Value.SerializerOptions);
    // Without the catalog cache every read is a new object: nothing to keep.
    private readonly bool _keep = mall.Value.Caching.Enabled;

    /// <summary>The product as <see cref="StorefrontProduct"/>, in UTF-8 JSON.</summary>
    public byte[] Of(Product product) => _keep ? _json.GetValue(product, _serialize) : _serialize(product);
}
