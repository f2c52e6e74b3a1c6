using System.Security.Claims;
using Mall.Common;
using Mall.Ordering;
using Mall.Web.Hosting;
using Mall.Web.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Mall.Web.Ordering;

/// <summary>The shopper's orders (<c>/api/v1/orders</c>) and the admin's (<c>/api/admin/orders</c>).</summary>
internal static class OrderEndpoints
{
    /// <summary>Header that makes a retried order request return the first order.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static void MapShopperOrders(this RouteGroupBuilder group, bool developmentPayments)
    {
        var orders = group.MapGroup("/orders").RequireAuthorization(MallClaims.ShopperPolicy).WithTags("Storefront: orders");

        orders.MapPost("/", async Task<Results<Created<Order>, Ok<Order>>> (
            PlaceOrderBody body, [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey, ClaimsPrincipal user, IOrderService service, CancellationToken ct) =>
        {
            var result = await service.PlaceAsync(new PlaceOrderRequest
            {
                CustomerId = user.CustomerId(), Lines = body.Lines, FromCart = body.FromCart, AddressId = body.AddressId, Note = body.Note, IdempotencyKey = idempotencyKey, CouponId = body.CouponId, ShippingMethod = body.ShippingMethod,
                Extensions = body.Extensions,
            }, ct);
            // A replay answers 200 with the first order; the first request 201.
            return result.Replayed
                ? TypedResults.Ok(result.Order)
                : TypedResults.Created($"{MallRoutes.StorefrontV1}/orders/{result.Order.Id}", result.Order);
        });
        orders.MapGet("/", (string? status, int? page, int? pageSize, ClaimsPrincipal user, IOrderService service, CancellationToken ct) =>
            service.ListAsync(new OrderQuery { CustomerId = user.CustomerId(), Status = ParseStatus(status), Page = page ?? 1, PageSize = pageSize ?? 20 }, ct));
        orders.MapGet("/{id:long}", async (long id, ClaimsPrincipal user, IOrderService service, CancellationToken ct) =>
            await OwnAsync(service, id, user, ct));
        orders.MapPost("/{id:long}/cancel", async (long id, CancelOrderBody? body, ClaimsPrincipal user, IOrderService service, CancellationToken ct) =>
        {
            await OwnAsync(service, id, user, ct);
            return await service.CancelAsync(id, user.Actor(), body?.Reason, ct);
        });
        orders.MapPost("/{id:long}/confirm-receipt", async (long id, ClaimsPrincipal user, IOrderService service, CancellationToken ct) =>
        {
            await OwnAsync(service, id, user, ct);
            return await service.CompleteAsync(id, user.Actor(), ct);
        });
        if (developmentPayments)
        {
            // Development only: pays at once with the sandbox method, through the payment ledger like any payment
            // (the gateway's signed notification is handed to the ledger in-process instead of over HTTP).
            orders.MapPost("/{id:long}/dev-pay", async (long id, HttpRequest request, ClaimsPrincipal user, IOrderService service,
                Mall.Payments.IPaymentService payments, Payments.SandboxPaymentProvider sandbox, Microsoft.Extensions.Options.IOptions<MallOptions> options, CancellationToken ct) =>
            {
                var order = await OwnAsync(service, id, user, ct);
                var notify = $"{request.Scheme}://{request.Host}{MallRoutes.StorefrontV1}/payments/notify/{Payments.SandboxPaymentProvider.ProviderName}";
                var start = await payments.StartAsync(id, user.CustomerId(), Payments.SandboxPaymentProvider.ProviderName, notify, ct);
                var body = System.Text.Json.JsonSerializer.Serialize(new Payments.SandboxNotification($"DEV{Guid.NewGuid():N}", start.PaymentNumber, "captured",
                    order.Total.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), options.Value.Currency, $"DEV{start.PaymentNumber}"), System.Text.Json.JsonSerializerOptions.Web);
                await payments.HandleNotificationAsync(Payments.SandboxPaymentProvider.ProviderName,
                    new Mall.Payments.ProviderNotification(new Dictionary<string, string> { [Payments.SandboxPaymentProvider.SignatureHeader] = sandbox.Sign(body) }, body), ct);
                return (await service.FindAsync(id, user.CustomerId(), ct))!;
            });
        }
    }

    public static void MapOrderAdmin(this RouteGroupBuilder group)
    {
        var orders = group.MapGroup("/orders").WithTags("Admin: orders");
        orders.MapGet("/", (string? status, long? customerId, int? page, int? pageSize, long? afterId, string? number, IOrderService service, CancellationToken ct) =>
            service.ListAsync(new OrderQuery { CustomerId = customerId, Status = ParseStatus(status), AfterId = afterId, Number = number, Page = page ?? 1, PageSize = pageSize ?? 20 }, ct));
        orders.MapGet("/{id:long}", async (long id, IOrderService service, CancellationToken ct) =>
            await service.FindAsync(id, null, ct) ?? throw new MallNotFoundException($"Order {id} does not exist."));
        orders.MapPost("/{id:long}/ship", (long id, ShipOrderBody body, ClaimsPrincipal user, IOrderService service, CancellationToken ct) =>
            service.ShipAsync(id, body.Carrier ?? "", body.TrackingNumber ?? "", user.Actor(), ct))
            .WithApiScope(Mall.Security.ApiScopes.OrdersFulfil);
        orders.MapPost("/bulk-ship", (BulkShipBody body, ClaimsPrincipal user, IOrderService service, CancellationToken ct) => BulkShipAsync(body, user, service, ct))
            .WithApiScope(Mall.Security.ApiScopes.OrdersFulfil)
            .WithSummary("Ships many orders by number, each with its carrier and tracking number; each order ships or fails on its own.");
        orders.MapPost("/{id:long}/cancel", (long id, CancelOrderBody? body, ClaimsPrincipal user, IOrderService service, CancellationToken ct) =>
            service.CancelAsync(id, user.Actor(), body?.Reason, ct));
        orders.MapPost("/{id:long}/transitions", (long id, TransitionBody body, ClaimsPrincipal user, IOrderService service, CancellationToken ct) =>
            service.ApplyAsync(id, ParseTrigger(body.Trigger), user.Actor(), body.Reason, ct));
    }

    // One order after another, each in its own transaction (a bad line must not hold back the parcels already packed);
    // the answer says, line by line, what shipped and why the rest did not.
    private static async Task<BulkShipResult> BulkShipAsync(BulkShipBody body, ClaimsPrincipal user, IOrderService service, CancellationToken ct)
    {
        var items = body?.Items ?? [];
        var errors = new ValidationErrors();
        if (items.Count is 0 or > 500) errors.Add("items", "lists 1 to 500 orders.");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is not { } item) { errors.Add($"items[{i}]", "is required."); continue; }
            errors.Required($"items[{i}].number", item.Number, 32);
            errors.Required($"items[{i}].carrier", item.Carrier, 50);
            errors.Required($"items[{i}].trackingNumber", item.TrackingNumber, 64);
            if (item.Number is { } n && !seen.Add(n.Trim())) errors.Add($"items[{i}].number", $"order {n.Trim()} is listed twice.");
        }
        errors.ThrowIfAny();
        var results = new List<BulkShipLine>(items.Count);
        foreach (var item in items)
        {
            var number = item.Number!.Trim();
            try
            {
                var found = await service.ListAsync(new OrderQuery { Number = number, PageSize = 1 }, ct);
                if (found.Items.Count == 0) { results.Add(new BulkShipLine(number, item.TrackingNumber!.Trim(), false, $"Order {number} does not exist.")); continue; }
                await service.ShipAsync(found.Items[0].Id, item.Carrier!.Trim(), item.TrackingNumber!.Trim(), user.Actor(), ct);
                results.Add(new BulkShipLine(number, item.TrackingNumber!.Trim(), true, null));
            }
            catch (MallException ex)
            {
                results.Add(new BulkShipLine(number, item.TrackingNumber!.Trim(), false, ex.Message));
            }
        }
        return new BulkShipResult(results.Count(r => r.Ok), results.Count(r => !r.Ok), results);
    }

    private static async Task<Order> OwnAsync(IOrderService service, long id, ClaimsPrincipal user, CancellationToken ct) =>
        // Another shopper's order answers exactly like a missing one.
        await service.FindAsync(id, user.CustomerId(), ct) ?? throw new MallNotFoundException($"Order {id} does not exist.");

    private static OrderStatus? ParseStatus(string? status) => QueryValues.ParseOptionalEnum<OrderStatus>("status", status);

    private static OrderTrigger ParseTrigger(string? trigger) =>
        string.IsNullOrWhiteSpace(trigger)
            ? throw new MallValidationException("trigger", "is required.")
            : QueryValues.ParseEnum("trigger", trigger, OrderTrigger.Place);
}

/// <summary>Body of an order request.</summary>
/// <param name="Lines">SKUs and quantities; prices are the mall's, never the client's. Empty with <paramref name="FromCart"/>.</param>
/// <param name="FromCart">Order the selected cart lines (they leave the cart with the order).</param>
/// <param name="AddressId">One of the shopper's addresses.</param>
/// <param name="Note">Note to the merchant.</param>
/// <param name="CouponId">One of the shopper's coupons; it is bound to the order and given back if the order is cancelled.</param>
/// <param name="ShippingMethod">One of the quote's <c>shippingOptions</c>; omitted: the cheapest.</param>
/// <param name="Extensions">Plugin choices by key, e.g. <c>{"groupbuy.team": "12"}</c> to join a group-buy team; a key no installed feature understands is a 400.</param>
internal sealed record PlaceOrderBody(IReadOnlyList<PlaceOrderLine>? Lines = null, bool FromCart = false, long? AddressId = null, string? Note = null, long? CouponId = null, string? ShippingMethod = null,
    IReadOnlyDictionary<string, string>? Extensions = null);

/// <summary>Body of a cancellation.</summary>
/// <param name="Reason">Why.</param>
internal sealed record CancelOrderBody(string? Reason = null);

/// <summary>Body of a shipment.</summary>
/// <param name="Carrier">Carrier name, e.g. <c>SF Express</c>.</param>
/// <param name="TrackingNumber">Tracking number.</param>
internal sealed record ShipOrderBody(string? Carrier, string? TrackingNumber);

/// <summary>Body of another transition (refund request, refund, partial refund, after-sale).</summary>
/// <param name="Trigger">The trigger, e.g. <c>requestRefund</c>.</param>
/// <param name="Reason">Why.</param>
internal sealed record TransitionBody(string? Trigger, string? Reason);

/// <summary>Body of a bulk shipment.</summary>
/// <param name="Items">Orders (1–500) with their carrier and tracking number.</param>
internal sealed record BulkShipBody(IReadOnlyList<BulkShipItem>? Items);

/// <summary>One order of a bulk shipment.</summary>
/// <param name="Number">Order number.</param>
/// <param name="Carrier">Carrier name.</param>
/// <param name="TrackingNumber">Tracking number.</param>
internal sealed record BulkShipItem(string? Number, string? Carrier, string? TrackingNumber);

/// <summary>What a bulk shipment did.</summary>
/// <param name="Shipped">Orders shipped.</param>
/// <param name="Failed">Orders not shipped.</param>
/// <param name="Items">Each order, in the order asked.</param>
internal sealed record BulkShipResult(int Shipped, int Failed, IReadOnlyList<BulkShipLine> Items);

/// <summary>One order of a bulk shipment, shipped or not.</summary>
/// <param name="Number">Order number.</param>
/// <param name="TrackingNumber">Tracking number.</param>
/// <param name="Ok">True when shipped.</param>
/// <param name="Error">Why not, or null.</param>
internal sealed record BulkShipLine(string Number, string TrackingNumber, bool Ok, string? Error);
