using Mall.Web.RateLimiting;
using System.Globalization;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Mall.Common;
using Mall.Payments;
using Mall.Web.Hosting;
using Mall.Web.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Mall.Web.Payments;

/// <summary>Paying orders, providers' notifications, the admin's view of the ledger, and the sandbox gateway.</summary>
internal static class PaymentEndpoints
{
    /// <summary>Largest notification body accepted.</summary>
    private const int MaxNotificationBytes = 64 * 1024;

    public static void MapShopperPayments(this RouteGroupBuilder group)
    {
        group.MapPost("/orders/{id:long}/payments", (long id, StartPaymentRequest body, HttpRequest request, ClaimsPrincipal user, IPaymentService payments, PublicUrls urls, CancellationToken ct) =>
            {
                if (string.IsNullOrWhiteSpace(body.Provider)) throw new MallValidationException("provider", "is required (e.g. sandbox).");
                // On the configured public address, never the request's Host header.
                var notify = urls.Absolute(request, $"{MallRoutes.StorefrontV1}/payments/notify/{Uri.EscapeDataString(body.Provider.Trim())}");
                return payments.StartAsync(id, user.CustomerId(), body.Provider.Trim(), notify, body.Parameters, ct);
            })
            .RequireAuthorization(MallClaims.ShopperPolicy)
            .WithTags("Storefront: orders")
            .WithPaymentRateLimit()
            .WithSummary("Starts paying an order pending payment; answers the client action (redirect URL, QR code or pay parameters).");

        // Providers call this: no credentials, the provider's signature is the authentication.
        group.MapPost("/payments/notify/{provider}", async (string provider, HttpRequest request, IPaymentService payments, CancellationToken ct) =>
            {
                var buffer = new byte[MaxNotificationBytes + 1];
                var length = 0;
                int read;
                while (length <= MaxNotificationBytes && (read = await request.Body.ReadAsync(buffer.AsMemory(length), ct)) > 0) length += read;
                if (length > MaxNotificationBytes) return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
                var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
                var answer = await payments.HandleNotificationAsync(provider, new ProviderNotification(headers, Encoding.UTF8.GetString(buffer, 0, length)), ct);
                return Results.Text(answer.Body, answer.ContentType, Encoding.UTF8, answer.StatusCode);
            })
            .AllowAnonymous()
            .WithTags("Storefront: payments")
            .WithoutRateLimit()
            .WithSummary("Payment provider notifications (signature-checked; the answer follows the provider's protocol).");
    }

    public static void MapPaymentAdmin(this RouteGroupBuilder group)
    {
        group.MapGet("/orders/{id:long}/payments", (long id, IPaymentService payments, CancellationToken ct) => payments.ListAsync(id, ct))
            .WithTags("Admin: orders")
            .WithSummary("The order's payments and their ledger events.");
        group.MapPost("/payments/{number}/sync", (string number, IPaymentService payments, CancellationToken ct) => payments.SyncAsync(number, ct))
            .WithTags("Admin: orders")
            .WithSummary("Asks the provider for the payment's status and records it through the ledger (recovers a lost notification).");
        group.MapPost("/payments/{number}/refunds", (string number, RefundBody body, HttpRequest request, ClaimsPrincipal user, IPaymentService payments, CancellationToken ct) =>
            {
                var key = RefundKey(request);
                if (body.Amount is not { } amount) throw new MallValidationException("amount", "is required.");
                return payments.RefundAsync(number, amount, key, body.Reason ?? "", user.Actor(), ct);
            })
            .WithTags("Admin: orders")
            .WithSummary("Refunds (part of) a captured payment through its provider, once per Idempotency-Key; the order follows.");
        group.MapPost("/orders/{id:long}/lines/{skuId:long}/refund", (long id, long skuId, LineRefundBody? body, HttpRequest request, ClaimsPrincipal user, IPaymentService payments, CancellationToken ct) =>
            {
                var key = RefundKey(request);
                return payments.RefundLineAsync(id, skuId, key, body?.Reason ?? "", user.Actor(), ct);
            })
            .WithTags("Admin: orders")
            .WithSummary("Refunds one order line: its amount less its share of the order's discounts.");
    }

    /// <summary>The <c>Idempotency-Key</c> a refund is made once per.</summary>
    private static string RefundKey(HttpRequest request) =>
        request.Headers["Idempotency-Key"].ToString() is { Length: > 0 } key && !string.IsNullOrWhiteSpace(key)
            ? key
            : throw new MallValidationException("Idempotency-Key", "header is required: a refund is made once per key.");

    /// <summary>The sandbox gateway (development payments only): a cashier that notifies the mall over HTTP.</summary>
    public static void MapSandboxGateway(this IEndpointRouteBuilder endpoints)
    {
        var gateway = endpoints.MapGroup(MallRoutes.SandboxGateway).WithTags("Sandbox gateway").AllowAnonymous();
        gateway.MapGet("/pay/{number}", (string number, string amount, string currency) =>
            Results.Content($"""
                <!doctype html><meta charset="utf-8"><title>Sandbox cashier</title>
                <h1>Sandbox cashier</h1><p>Payment {System.Net.WebUtility.HtmlEncode(number)}: {System.Net.WebUtility.HtmlEncode(amount)} {System.Net.WebUtility.HtmlEncode(currency)}</p>
                <p>POST this URL (with <code>&amp;outcome=captured</code> or <code>failed</code>) to pay; the gateway then notifies the mall.</p>
                """, "text/html"))
            .WithSummary("Sandbox cashier page for a payment (development gateway).");
        gateway.MapPost("/pay/{number}", async (string number, string amount, string currency, string notify, string sig, string? outcome,
            SandboxPaymentProvider sandbox, IHttpClientFactory clients, CancellationToken ct) =>
        {
            if (!sandbox.Verify($"{number}|{amount}|{currency}|{notify}", sig))
                throw new MallValidationException("sig", "does not sign this payment; use the URL the mall returned.");
            var status = outcome ?? "captured";
            if (status is not ("captured" or "failed")) throw new MallValidationException("outcome", "is captured or failed.");
            var body = JsonSerializer.Serialize(new SandboxNotification($"SBXE{Guid.NewGuid():N}", number, status,
                decimal.Parse(amount, NumberStyles.Number, CultureInfo.InvariantCulture).ToString("0.00", CultureInfo.InvariantCulture), currency,
                $"SBX{Guid.NewGuid():N}"), JsonSerializerOptions.Web);
            using var message = new HttpRequestMessage(HttpMethod.Post, notify) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            message.Headers.Add(SandboxPaymentProvider.SignatureHeader, sandbox.Sign(body));
            using var response = await clients.CreateClient(SandboxHttpClient).SendAsync(message, ct);
            return Results.Ok(new SandboxDelivery((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct), body));
        })
            .WithSummary("Pays (or fails) a sandbox payment: the gateway notifies the mall and answers what the mall said.");
    }

    /// <summary>Name of the HTTP client the sandbox gateway notifies with.</summary>
    public const string SandboxHttpClient = "Mall.SandboxGateway";
}

/// <summary>A refund.</summary>
/// <param name="Amount">Amount to refund (at most what is left of the payment).</param>
/// <param name="Reason">Why (recorded in the ledger and the order history).</param>
internal sealed record RefundBody(decimal? Amount, string? Reason);

/// <summary>A line refund.</summary>
/// <param name="Reason">Why (required).</param>
internal sealed record LineRefundBody(string? Reason);

/// <summary>Pay an order.</summary>
/// <param name="Provider">Payment method, e.g. <c>sandbox</c>.</param>
/// <param name="Parameters">What the provider needs to know of the client, e.g. <c>{"channel":"jsapi","openid":"…"}</c> for WeChat Pay.</param>
internal sealed record StartPaymentRequest(string? Provider, IReadOnlyDictionary<string, string>? Parameters = null);

/// <summary>What the sandbox gateway delivered.</summary>
/// <param name="MallStatus">HTTP status the mall answered.</param>
/// <param name="MallAnswer">The mall's answer body.</param>
/// <param name="Notification">The notification body sent.</param>
internal sealed record SandboxDelivery(int MallStatus, string MallAnswer, string Notification);
