using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Mall.Webhooks.Services;

/// <summary>
/// Sends one delivery: a POST of its body, signed, through a Polly pipeline (a timeout per attempt, and
/// <see cref="WebhookOptions.ImmediateRetries"/> retries with exponential backoff and jitter on no answer, 408, 429
/// or 5xx), recording every attempt. The longer backoff between rounds is the dispatcher's, kept in the database.
/// Redirects are not followed and no proxy is used, so every connection passes <see cref="WebhookTargets"/>.
/// </summary>
internal sealed class WebhookSender : IDisposable
{
    private const int ExcerptLength = 1000;
    private readonly HttpClient _client;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _timeout;

    public WebhookSender(IOptions<MallOptions> options, TimeProvider clock)
    {
        _clock = clock;
        var webhooks = options.Value.Webhooks;
        _timeout = webhooks.AttemptTimeout;
        var targets = WebhookTargets.From(webhooks);
        _client = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            ConnectCallback = targets.ConnectAsync,
            ConnectTimeout = webhooks.AttemptTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            MaxConnectionsPerServer = Math.Max(1, webhooks.MaxParallelDeliveries),
        })
        { Timeout = Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.UserAgent.ParseAdd("Mall-Webhooks/1.0");
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = clock };
        if (webhooks.ImmediateRetries > 0)
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = webhooks.ImmediateRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(500),
                ShouldHandle = args => ValueTask.FromResult(args.Outcome switch
                {
                    { Exception: WebhookTargetRefusedException } => false,
                    { Exception: HttpRequestException or TimeoutRejectedException } => true,
                    { Result: { } response } => (int)response.StatusCode is 408 or 429 or >= 500,
                    _ => false,
                }),
                // A failed attempt's response is recorded and no longer needed.
                OnRetry = args =>
                {
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            });
        _pipeline = builder.AddTimeout(webhooks.AttemptTimeout).Build();
    }

    /// <summary>Sends <paramref name="body"/> to <paramref name="url"/>, signed with every secret given; returns the attempts in order.</summary>
    public async Task<IReadOnlyList<WebhookAttempt>> SendAsync(string url, string eventId, string eventType, byte[] body, IReadOnlyList<string> secrets, CancellationToken cancellationToken)
    {
        var attempts = new List<WebhookAttempt>();
        try
        {
            using var last = await _pipeline.ExecuteAsync(async ct =>
            {
                var started = _clock.GetUtcNow().UtcDateTime;
                var timer = Stopwatch.StartNew();
                try
                {
                    var timestamp = _clock.GetUtcNow().ToUnixTimeSeconds();
                    using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                    request.Headers.TryAddWithoutValidation(WebhookSignature.IdHeader, eventId);
                    request.Headers.TryAddWithoutValidation(WebhookSignature.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    request.Headers.TryAddWithoutValidation(WebhookSignature.SignatureHeader, string.Join(' ', secrets.Select(s => WebhookSignature.Sign(s, eventId, timestamp, body))));
                    request.Headers.TryAddWithoutValidation(WebhookSignature.EventTypeHeader, eventType);
                    var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
                    var excerpt = await ExcerptAsync(response, ct).ConfigureAwait(false);
                    attempts.Add(new WebhookAttempt(started, response.IsSuccessStatusCode, (int)response.StatusCode, Elapsed(timer), null, excerpt));
                    return response;
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    var error = ex is OperationCanceledException ? $"No answer within {_timeout.TotalSeconds:0.###} s." : Bounded(ex.Message);
                    attempts.Add(new WebhookAttempt(started, false, null, Elapsed(timer), error, null));
                    throw;
                }
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // Recorded above, attempt by attempt.
        }
        return attempts;
    }

    private static int Elapsed(Stopwatch timer) => (int)Math.Min(int.MaxValue, timer.ElapsedMilliseconds);

    private static string Bounded(string text) => text.Length <= 500 ? text : text[..500];

    private static async Task<string?> ExcerptAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        // Only the start of the body is read: a receiver cannot make the mall buffer a large answer.
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new byte[4 * ExcerptLength];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false)) > 0) read += n;
        if (read == 0) return null;
        var text = Encoding.UTF8.GetString(buffer, 0, read);
        return text.Length <= ExcerptLength ? text : text[..ExcerptLength];
    }

    public void Dispose() => _client.Dispose();
}
