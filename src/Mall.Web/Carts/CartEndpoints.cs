using System.Security.Claims;
using Mall.Carts;
using Mall.Checkout;
using Mall.Customers;
using Mall.Ordering;
using Mall.Web.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Mall.Web.Carts;

/// <summary>
/// The cart (<c>/api/v1/cart</c>) of the logged-in shopper or, without a login, of the anonymous session named
/// by the <c>X-Mall-Cart-Session</c> header; and checkout quotes (<c>/api/v1/checkout/quote</c>).
/// </summary>
internal static class CartEndpoints
{
    /// <summary>Header naming an anonymous cart: a random token of 16–64 letters, digits, '-' or '_' that the client keeps.</summary>
    public const string SessionHeader = "X-Mall-Cart-Session";

    public static void MapCart(this RouteGroupBuilder group)
    {
        var cart = group.MapGroup("/cart").WithTags("Storefront: cart");
        cart.MapGet("/", async (HttpContext http, ICartService carts, CancellationToken ct) => await carts.GetAsync(await OwnerAsync(http), ct));
        cart.MapPost("/lines", async (AddCartLineBody body, HttpContext http, ICartService carts, CancellationToken ct) =>
            await carts.AddAsync(await OwnerAsync(http), body.SkuId, body.Quantity, ct));
        cart.MapPatch("/lines/{skuId:long}", async (long skuId, CartLineChange change, HttpContext http, ICartService carts, CancellationToken ct) =>
            await carts.ChangeAsync(await OwnerAsync(http), skuId, change, ct));
        cart.MapDelete("/lines/{skuId:long}", async (long skuId, HttpContext http, ICartService carts, CancellationToken ct) =>
            await carts.RemoveAsync(await OwnerAsync(http), skuId, ct));

        group.MapPost("/checkout/quote", async (QuoteBody body, ClaimsPrincipal user, ICheckoutService checkout, ICartService carts, ICustomerService customers, CancellationToken ct) =>
            {
                var customerId = user.CustomerId();
                var lines = body.FromCart
                    ? (await carts.GetAsync(CartOwner.Customer(customerId), ct)).Lines.Where(l => l.Selected).Select(l => new PlaceOrderLine(l.SkuId, l.Quantity)).ToList()
                    : body.Lines;
                var region = body.RegionCode;
                if (region is not null && (region.Length != 6 || !region.All(char.IsAsciiDigit)))
                    throw new Common.MallValidationException("regionCode", "is a 6-digit region code, e.g. 110105.");
                if (body.AddressId is { } addressId)
                {
                    region = (await customers.ListAddressesAsync(customerId, ct)).FirstOrDefault(a => a.Id == addressId)?.RegionCode
                        ?? throw new Common.MallValidationException("addressId", $"Address {addressId} does not exist.");
                }
                return await checkout.QuoteAsync(customerId, lines ?? [], region, new CheckoutChoices { CouponId = body.CouponId, ShippingMethod = body.ShippingMethod, Extensions = body.Extensions }, ct);
            })
            .RequireAuthorization(MallClaims.ShopperPolicy)
            .WithTags("Storefront: checkout");
    }

    /// <summary>The logged-in shopper's cart, else the session's named by the header.</summary>
    internal static async Task<CartOwner> OwnerAsync(HttpContext http)
    {
        var result = await http.AuthenticateAsync(MallClaims.BearerScheme);
        if (result.Succeeded && result.Principal.IsInRole(MallClaims.ShopperRole)) return CartOwner.Customer(result.Principal.CustomerId());
        if (http.Request.Headers.TryGetValue(SessionHeader, out var token) && token.Count == 1) return CartOwner.Session(token[0]!);
        throw new Common.MallValidationException("cartSession", $"Log in, or send the {SessionHeader} header naming an anonymous cart.");
    }
}

/// <summary>Body of adding to the cart.</summary>
/// <param name="SkuId">The SKU.</param>
/// <param name="Quantity">Units to add (1–999).</param>
internal sealed record AddCartLineBody(long SkuId, int Quantity);

/// <summary>Body of a checkout quote.</summary>
/// <param name="Lines">Lines to price (or <paramref name="FromCart"/>).</param>
/// <param name="FromCart">Price the selected cart lines.</param>
/// <param name="AddressId">One of the shopper's addresses, for shipping.</param>
/// <param name="RegionCode">Or a 6-digit region code, to estimate shipping before an address is chosen.</param>
/// <param name="CouponId">One of the shopper's coupons to apply (an error on <c>couponId</c> says why it cannot).</param>
/// <param name="ShippingMethod">One of the quote's <c>shippingOptions</c>; omitted: the cheapest.</param>
/// <param name="Extensions">Plugin choices by key (e.g. <c>{"groupbuy.activity": "3"}</c>); a key no installed feature understands is a 400.</param>
internal sealed record QuoteBody(IReadOnlyList<PlaceOrderLine>? Lines = null, bool FromCart = false, long? AddressId = null, string? RegionCode = null, long? CouponId = null, string? ShippingMethod = null,
    IReadOnlyDictionary<string, string>? Extensions = null);
