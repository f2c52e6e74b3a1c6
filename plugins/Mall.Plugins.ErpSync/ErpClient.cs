using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mall.Plugins.ErpSync.Signing;

namespace Mall.Plugins.ErpSync;

/// <summary>JSON settings of the plugin's wire formats and settings binding.</summary>
internal static class ErpJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}

/// <summary>A call to the ERP failed: down, slow, an HTTP error, an ERP error code, or an answer that is not the protocol's.</summary>
/// <param name="message">What happened, for the delivery log.</param>
/// <param name="unreachable">The ERP could not be reached at all (no point calling it again in this pass).</param>
public sealed class ErpCallException(string message, bool unreachable = false) : Exception(message)
{
    /// <summary>The ERP could not be reached at all (connection refused, timed out).</summary>
    public bool Unreachable { get; } = unreachable;
}

/// <summary>
/// Calls the ERP's API: one signed request per call through the configured <see cref="IErpSignatureScheme"/>, one
/// answer envelope <c>{"code": 0, "msg": "…", "data": {…}}</c> (code 0 is success).
/// </summary>
public sealed class ErpClient(ErpSignatureSchemes schemes, TimeProvider clock) : IDisposable
{
    // No redirects (a signed call is not replayed elsewhere); connections recycled so DNS changes are seen.
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>Calls <paramref name="method"/> with <paramref name="biz"/>; answers the envelope's <c>data</c> (an empty object when absent).</summary>
    /// <exception cref="ErpCallException">The call failed; the message says how.</exception>
    public async Task<JsonObject> CallAsync(ErpSettings settings, string method, JsonObject biz, CancellationToken cancellationToken)
    {
        var scheme = schemes.Find(settings.Scheme) ?? throw new ErpCallException($"Unknown signature scheme '{settings.Scheme}'.");
        using var request = scheme.CreateRequest(BaseUrl(settings), method, biz.ToJsonString(), new ErpCredentials(settings.AppKey, settings.AppSecret), clock.GetUtcNow());
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(settings.RequestTimeoutSeconds));
        string text;
        int status;
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
            status = (int)response.StatusCode;
            text = await response.Content.ReadAsStringAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ErpCallException($"No answer within {settings.RequestTimeoutSeconds} s.", unreachable: true);
        }
        catch (HttpRequestException ex)
        {
            throw new ErpCallException("Could not reach the ERP: " + ex.Message, unreachable: true);
        }
        if (status is < 200 or > 299) throw new ErpCallException($"HTTP {status}: {Excerpt(text)}");
        JsonObject envelope;
        try
        {
            envelope = JsonNode.Parse(text) as JsonObject ?? throw new JsonException("not an object");
        }
        catch (JsonException)
        {
            throw new ErpCallException("The answer is not the ERP protocol's JSON: " + Excerpt(text));
        }
        if (envelope["code"] is not JsonValue code || !code.TryGetValue(out int value))
            throw new ErpCallException("The answer has no numeric code: " + Excerpt(text));
        if (value != 0) throw new ErpCallException($"ERP error {value}: {Excerpt((string?)envelope["msg"] ?? "")}");
        return envelope["data"] switch
        {
            null => [],
            JsonObject data => data,
            _ => throw new ErpCallException("The answer's data is not an object: " + Excerpt(text)),
        };
    }

    /// <summary>The base URL with a trailing slash, so that relative paths append.</summary>
    private static Uri BaseUrl(ErpSettings settings) => new(settings.BaseUrl.EndsWith('/') ? settings.BaseUrl : settings.BaseUrl + "/");

    private static string Excerpt(string text) => text.Length > 300 ? text[..300] + "…" : text;

    /// <summary>Milliseconds since <paramref name="started"/> (a <see cref="Stopwatch"/> timestamp).</summary>
    internal static int Elapsed(long started) => (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds;

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();
}
