using System.Text.Json;
using System.Text.Json.Nodes;
using Mall.Common;
using Mall.Ordering;
using Mall.Plugins.ErpSync.Signing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Mall.Plugins.ErpSync;

/// <summary>What an inbound shipment confirmation did.</summary>
/// <param name="OrderNumber">The order.</param>
/// <param name="Carrier">Its carrier, as the order shows it.</param>
/// <param name="TrackingNumber">Its tracking number.</param>
/// <param name="AlreadyShipped">The order was already shipped with this tracking number: nothing changed.</param>
public sealed record ErpShipmentResult(string OrderNumber, string Carrier, string TrackingNumber, bool AlreadyShipped);

/// <summary>
/// Calls from the ERP: a shipment confirmation (<c>erp.shipment.confirm</c>) ships the order with its carrier and
/// tracking number. Refused unless signed with the store's secret and fresh; idempotent (the same confirmation
/// again changes nothing; another tracking number for a shipped order is a conflict).
/// </summary>
public sealed class ErpInbound(ErpStore store, IOrderService orders, ErpSignatureSchemes schemes, Mall.Plugins.IPluginSettings pluginSettings, TimeProvider clock, ILogger<ErpInbound> logger)
{
    /// <summary>The method a shipment confirmation calls.</summary>
    public const string ShipmentMethod = "erp.shipment.confirm";

    /// <summary>Verifies and handles one inbound call.</summary>
    public async Task<ErpShipmentResult> HandleAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var settings = pluginSettings.Get<ErpSettings>();
        if (!settings.IsConfigured) throw new MallNotFoundException("The ERP connection is not configured.");
        var scheme = schemes.Find(settings.Scheme) ?? throw new MallNotFoundException("The ERP connection is not configured.");
        var call = scheme.Verify(await ReadAsync(request, cancellationToken), new ErpCredentials(settings.AppKey, settings.AppSecret), clock.GetUtcNow(),
            TimeSpan.FromSeconds(settings.InboundMaxAgeSeconds));
        if (call.Method != ShipmentMethod) throw new MallValidationException("method", $"is {ShipmentMethod}; '{call.Method}' is not a method the mall answers.");

        JsonObject biz;
        try
        {
            biz = JsonNode.Parse(call.Body) as JsonObject ?? throw new JsonException();
        }
        catch (JsonException)
        {
            throw new MallValidationException("biz", "is a JSON object.");
        }
        var errors = new ValidationErrors();
        string Text(string field, int max)
        {
            var name = settings.Field(field) ?? field;
            var value = biz[name] is JsonValue v && v.TryGetValue(out string? s) ? s.Trim() : "";
            if (value.Length == 0 || value.Length > max) errors.Add(name, $"is required (1–{max} characters).");
            return value;
        }
        var number = Text("orderNumber", 40);
        var carrierCode = Text("carrier", 50);
        var tracking = Text("trackingNumber", 50);
        errors.ThrowIfAny();
        var carrier = settings.Carriers.TryGetValue(carrierCode, out var name) ? name : carrierCode;

        var orderId = await store.FindPaidOrderAsync(number, cancellationToken) ?? throw new MallNotFoundException($"No paid order {number} was sent to the ERP.");
        for (var attempt = 0; ; attempt++)
        {
            var order = await orders.FindAsync(orderId, null, cancellationToken) ?? throw new MallNotFoundException($"Order {number} does not exist.");
            if (order.TrackingNumber is { } shipped)
            {
                if (shipped == tracking) return new ErpShipmentResult(number, order.ShippingCarrier ?? carrier, tracking, AlreadyShipped: true);
                throw new MallConflictException($"Order {number} is already shipped with tracking number {shipped}.") { Code = "erp.shipped_otherwise" };
            }
            try
            {
                await orders.ShipAsync(orderId, carrier, tracking, "erp:" + settings.AppKey, cancellationToken);
                logger.LogInformation("ERP sync: order {Order} shipped by the ERP ({Carrier} {Tracking}).", number, carrier, tracking);
                return new ErpShipmentResult(number, carrier, tracking, AlreadyShipped: false);
            }
            catch (MallConflictException) when (attempt == 0)
            {
                // A concurrent confirmation shipped it first: answer from what it wrote.
            }
        }
    }

    private static async Task<ErpInboundRequest> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in request.Query) parameters[key] = value.ToString();
        var body = "";
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(cancellationToken);
            foreach (var (key, value) in form) parameters[key] = value.ToString();
        }
        else
        {
            using var reader = new StreamReader(request.Body);
            body = await reader.ReadToEndAsync(cancellationToken);
        }
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in request.Headers) headers[key] = value.ToString();
        return new ErpInboundRequest(parameters, headers, body);
    }
}
