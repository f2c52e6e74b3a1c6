namespace Mall.Web.Hosting;

/// <summary>
/// One-line summaries of the core API's operations that do not set their own with <c>WithSummary</c> (the OpenAPI
/// document, Swagger UI and the generated clients show them). A test requires a summary on every operation.
/// </summary>
internal static class MallOperationSummaries
{
    /// <summary>The summary for <c>METHOD route</c> (the route as the document writes it, without the leading slash).</summary>
    public static string? For(string method, string route) =>
        Table.GetValueOrDefault($"{method} {System.Text.RegularExpressions.Regex.Replace(route.TrimEnd('/'), @"\{([^}:]+)(:[^}]*)?\}", "{$1}")}");

    private static readonly Dictionary<string, string> Table = new(StringComparer.Ordinal)
    {
        ["GET api/v1/catalog/categories"] = "The visible category tree.",
        ["GET api/v1/catalog/brands"] = "Every brand.",
        ["GET api/v1/catalog/products"] = "Searches published products: keyword, category, brand, price range, sort, paging.",
        ["GET api/v1/catalog/products/{id}"] = "A published product with its specs, SKUs, prices and stock.",
        ["POST api/v1/auth/register"] = "Registers a shopper by phone or e-mail and password.",
        ["POST api/v1/auth/login"] = "Logs a shopper in: a bearer token and a refresh token (a session cart joins theirs).",
        ["POST api/v1/auth/refresh"] = "A new token pair for a valid refresh token.",
        ["POST api/v1/auth/login/{provider}"] = "Logs a shopper in through an external provider (e.g. a WeChat mini-program code).",
        ["GET api/v1/me"] = "The shopper's account: level, points and balance.",
        ["GET api/v1/me/ledger"] = "The shopper's points and balance movements, newest first.",
        ["GET api/v1/me/addresses"] = "The shopper's addresses.",
        ["POST api/v1/me/addresses"] = "Adds an address.",
        ["PUT api/v1/me/addresses/{id}"] = "Changes an address.",
        ["DELETE api/v1/me/addresses/{id}"] = "Removes an address.",
        ["GET api/v1/cart"] = "The cart (the shopper's, or the session's named by X-Cart-Session).",
        ["POST api/v1/cart/lines"] = "Adds units of a SKU to the cart.",
        ["PATCH api/v1/cart/lines/{skuId}"] = "Sets the quantity of a cart line.",
        ["DELETE api/v1/cart/lines/{skuId}"] = "Removes a cart line.",
        ["POST api/v1/checkout/quote"] = "Prices lines as an order would: promotions, coupon, shipping options and total.",
        ["POST api/v1/orders"] = "Places an order (once per Idempotency-Key): stock is reserved until it is paid or cancelled.",
        ["GET api/v1/orders"] = "The shopper's orders, newest first.",
        ["GET api/v1/orders/{id}"] = "One of the shopper's orders, with lines and history.",
        ["POST api/v1/orders/{id}/cancel"] = "Cancels an unpaid order (its stock is released).",
        ["POST api/v1/orders/{id}/confirm-receipt"] = "Confirms that a shipped order arrived.",
        ["GET api/v1/me/coupons/{id}"] = "One of the shopper's coupons.",
        ["POST api/v1/orders/{id}/dev-pay"] = "Development only (not mapped in production): marks an unpaid order paid without a payment provider.",
        ["POST api/admin/auth/refresh"] = "A new token pair for an admin's valid refresh token.",
        ["POST api/admin/auth/login"] = "Logs an admin in: a bearer token and a refresh token.",
        ["GET api/admin/catalog/categories"] = "The whole category tree, hidden categories included.",
        ["POST api/admin/catalog/categories"] = "Creates a category.",
        ["GET api/admin/catalog/categories/{id}"] = "A category.",
        ["PUT api/admin/catalog/categories/{id}"] = "Changes a category.",
        ["DELETE api/admin/catalog/categories/{id}"] = "Deletes a category that has no products or children.",
        ["GET api/admin/catalog/brands"] = "Every brand.",
        ["POST api/admin/catalog/brands"] = "Creates a brand.",
        ["GET api/admin/catalog/brands/{id}"] = "A brand.",
        ["PUT api/admin/catalog/brands/{id}"] = "Changes a brand.",
        ["DELETE api/admin/catalog/brands/{id}"] = "Deletes a brand that no product uses.",
        ["GET api/admin/catalog/products"] = "Searches products in any status, deleted ones on request.",
        ["POST api/admin/catalog/products"] = "Creates a product with its spec dimensions and SKUs (a draft).",
        ["GET api/admin/catalog/products/{id}"] = "A product with its SKUs and stock.",
        ["PUT api/admin/catalog/products/{id}"] = "Changes a product and its SKUs.",
        ["DELETE api/admin/catalog/products/{id}"] = "Soft-deletes a product (it can be restored).",
        ["POST api/admin/catalog/products/{id}/publish"] = "Publishes a product to the storefront.",
        ["POST api/admin/catalog/products/{id}/unpublish"] = "Takes a product off the storefront.",
        ["POST api/admin/catalog/products/{id}/restore"] = "Restores a soft-deleted product.",
        ["GET api/admin/inventory/skus/{skuId}"] = "A SKU's stock: on hand, reserved, available.",
        ["POST api/admin/inventory/skus/{skuId}/adjustments"] = "Adjusts a SKU's stock with a reason (recorded in the movement ledger).",
        ["PUT api/admin/inventory/skus/{skuId}/low-stock-threshold"] = "Sets the stock level under which a SKU counts as low.",
        ["GET api/admin/inventory/skus/{skuId}/movements"] = "A SKU's stock movements, newest first.",
        ["GET api/admin/inventory/reservations/{reference}"] = "The stock reservation of an order or other reference.",
        ["GET api/admin/shipping/freight-templates/{id}"] = "A freight template with its regional rules.",
        ["PUT api/admin/shipping/freight-templates/{id}"] = "Changes a freight template.",
        ["PUT api/admin/promotions/{id}"] = "Changes a promotion rule.",
        ["DELETE api/admin/promotions/{id}"] = "Ends a promotion rule.",
        ["GET api/admin/coupons/templates"] = "Every coupon template.",
        ["GET api/admin/coupons/templates/{id}"] = "A coupon template.",
        ["GET api/admin/coupons"] = "Issued coupons, by template or shopper.",
        ["GET api/admin/orders"] = "Searches orders: status, shopper, number, time.",
        ["GET api/admin/orders/{id}"] = "An order with its lines, line snapshots and state history.",
        ["POST api/admin/orders/{id}/ship"] = "Ships a paid order with carrier and tracking number.",
        ["POST api/admin/orders/{id}/cancel"] = "Cancels an order the state machine allows to be cancelled.",
        ["POST api/admin/orders/{id}/transitions"] = "Applies a state-machine trigger to an order.",
        ["GET api/admin/customers/{id}"] = "A shopper's account.",
        ["GET api/admin/customers/{id}/ledger"] = "A shopper's points and balance movements.",
        ["POST api/admin/customers/{id}/assets"] = "Adjusts a shopper's points or balance with a reason.",
        ["DELETE api/admin/themes/{name}"] = "Removes an installed theme that is neither active, built in nor a base of another.",
    };
}
