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
internal sealed class StorefrontProductJson(IOptions<JsonOptions> options)
{
    private readonly ConditionalWeakTable<Product, byte[]> _json = new();
    private readonly JsonSerializerOptions _options = options.Value.SerializerOptions;

    /// <summary>The product as <see cref="StorefrontProduct"/>, in UTF-8 JSON.</summary>
    public byte[] Of(Product product) =>
        _json.GetValue(product, p => JsonSerializer.SerializeToUtf8Bytes(StorefrontProduct.From(p), _options));
}
