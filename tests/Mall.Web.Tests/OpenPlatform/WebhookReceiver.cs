using System.Collections.Concurrent;
using System.Net;
using Mall.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mall.Web.Tests.OpenPlatform;

/// <summary>
/// A webhook receiver on a loopback port (a real Kestrel server): records every request with its headers and raw
/// body, checks signatures with <see cref="Secret"/> as a receiver would, and answers <see cref="Status"/>.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebhookReceiver(WebApplication app) => _app = app;

    /// <summary>Every request received, in order.</summary>
    public ConcurrentQueue<Received> Requests { get; } = new();

    /// <summary>The status answered (200 unless a test says otherwise).</summary>
    public volatile int Status = 200;

    /// <summary>The body answered.</summary>
    public volatile string Answer = "ok";

    /// <summary>Where a 3xx answer points.</summary>
    public volatile string? Location;

    /// <summary>The subscription's secret, to verify signatures with.</summary>
    public volatile string? Secret;

    /// <summary>The URL deliveries are posted to.</summary>
    public string Url { get; private set; } = "";

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hooks/{**rest}", async (HttpContext context) =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            var body = buffer.ToArray();
            var headers = context.Request.Headers;
            var secret = receiver.Secret;
            var valid = secret is not null && WebhookSignature.Verify(secret, headers[WebhookSignature.IdHeader].ToString(), headers[WebhookSignature.TimestampHeader].ToString(),
                headers[WebhookSignature.SignatureHeader].ToString(), body, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
            receiver.Requests.Enqueue(new Received(headers[WebhookSignature.IdHeader].ToString(), headers[WebhookSignature.EventTypeHeader].ToString(),
                headers[WebhookSignature.SignatureHeader].ToString(), body, valid, DateTime.UtcNow));
            context.Response.StatusCode = receiver.Status;
            if (receiver.Location is { } location) context.Response.Headers.Location = location;
            await context.Response.WriteAsync(receiver.Answer);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = address.TrimEnd('/') + "/hooks/mall";
        return receiver;
    }

    /// <summary>The requests whose body is the event <paramref name="type"/>.</summary>
    public IReadOnlyList<Received> OfType(string type) => Requests.Where(r => r.EventType == type).ToList();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    /// <summary>One request.</summary>
    internal sealed record Received(string Id, string EventType, string Signature, byte[] Body, bool SignatureValid, DateTime ReceivedAt)
    {
        public System.Text.Json.JsonElement Json => System.Text.Json.JsonDocument.Parse(Body).RootElement;
    }
}
