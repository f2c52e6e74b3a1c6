using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

// Webhook benchmark (bench/run-webhooks.sh). Environment: Mall__Database__Provider and Mall__Database__ConnectionString
// (default: SQLite in a temporary file), BENCH_RATE (orders/s, default 200), BENCH_SECONDS (default 20),
// BENCH_BACKLOG (orders queued while the subscription is paused, default 3000), BENCH_AUTH_SECONDS (default 5),
// BENCH_ROUNDS (default 3). Prints a Markdown report.
var rate = Env("BENCH_RATE", 200);
var seconds = Env("BENCH_SECONDS", 20);
var backlog = Env("BENCH_BACKLOG", 3000);
var authSeconds = Env("BENCH_AUTH_SECONDS", 5);
var rounds = Env("BENCH_ROUNDS", 3);
var provider = Environment.GetEnvironmentVariable("Mall__Database__Provider") ?? "Sqlite";
var connectionString = Environment.GetEnvironmentVariable("Mall__Database__ConnectionString")
    ?? $"Data Source={Path.Combine(Path.GetTempPath(), $"mall-bench-webhooks-{Guid.NewGuid():N}.db")}";

// The receiver: answers 200 at once and notes when each event arrived.
var received = new ConcurrentDictionary<string, int>();
var latencies = new LatencyLog();
var receiverBuilder = WebApplication.CreateSlimBuilder();
receiverBuilder.Logging.ClearProviders();
receiverBuilder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
var receiver = receiverBuilder.Build();
receiver.MapPost("/hook", async (HttpContext http) =>
{
    var at = DateTime.UtcNow;
    using var doc = await JsonDocument.ParseAsync(http.Request.Body);
    var id = doc.RootElement.GetProperty("id").GetString()!;
    var sentAt = doc.RootElement.TryGetProperty("occurredAt", out var o) ? o.GetDateTime().ToUniversalTime() : at;
    received.AddOrUpdate(id, 1, (_, n) => n + 1);
    latencies.Add(id, at - sentAt);
    return Results.Ok();
});
await receiver.StartAsync();
var receiverUrl = receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/hook";

// The mall: one host on a loopback port; rate limits off (the driver is one address calling far above any limit).
var mallBuilder = WebApplication.CreateBuilder();
mallBuilder.Logging.ClearProviders();
mallBuilder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
mallBuilder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["Mall:Database:Provider"] = provider, ["Mall:Database:ConnectionString"] = connectionString,
    ["Mall:Admin:ApiKey"] = "bench-admin-key", ["Mall:Admin:InitialUserName"] = "bench", ["Mall:Admin:InitialPassword"] = "bench-password-1",
    ["Mall:RateLimits:Enabled"] = "false", ["Mall:Webhooks:AllowedNetworks:0"] = "127.0.0.1/32", ["Mall:EnableDevelopmentPayments"] = "true",
    ["Mall:Ordering:PaymentTimeout"] = "01:00:00",
});
mallBuilder.AddMall().AddMySql().AddPostgreSql();
var mall = mallBuilder.Build();
mall.MapMall();
await mall.StartAsync();
var baseUrl = mall.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(2) };
http.DefaultRequestHeaders.Add("X-Mall-Admin-Key", "bench-admin-key");
// Shoppers' orders and the authenticated reads go without the operator key.
using var plain = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(2) };

// A product with stock for every order, shoppers to place them.
var category = await PostAsync("/api/admin/catalog/categories", new { name = "Bench" });
var product = await PostAsync("/api/admin/catalog/products", new { name = "Bench product", categoryId = category.GetProperty("id").GetInt64(), skus = new[] { new { code = "WH-1", price = 1m, stock = 10_000_000 } } });
var productId = product.GetProperty("id").GetInt64();
var skuId = product.GetProperty("skus")[0].GetProperty("id").GetInt64();
await PostAsync($"/api/admin/catalog/products/{productId}/publish", new { });
var shoppers = new List<string>();
for (var i = 0; i < 40; i++)
{
    var phone = $"1390000{i:0000}";
    await PostAsync("/api/v1/auth/register", new { phone, password = "bench-pass-1" });
    shoppers.Add((await PostAsync("/api/v1/auth/login", new { login = phone, password = "bench-pass-1" })).GetProperty("accessToken").GetString()!);
}
var subscription = await PostAsync("/api/admin/webhooks/subscriptions", new { name = "bench", url = receiverUrl, events = new[] { "order.placed" } });
var subscriptionId = subscription.GetProperty("subscription").GetProperty("id").GetInt64();

var report = new List<string> { $"Webhook benchmark, {provider}, {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC", "" };

// 1. Latency under a steady order rate, beside raw POSTs to the same receiver at the same rate.
latencies.Clear();
var (placed, failedOrders) = await PlaceAtRateAsync(rate, seconds);
await WaitForAsync(() => received.Count >= placed, TimeSpan.FromSeconds(60));
var webhook = latencies.Snapshot();
var duplicates = received.Values.Count(n => n > 1);
latencies.Clear();
var raw = await RawPostsAtRateAsync(rate, seconds);
report.Add($"| {rate} orders/s for {seconds} s | events | delivered | duplicates | p50 | p99 | max |");
report.Add("|---|---|---|---|---|---|---|");
report.Add($"| Mall webhook (commit → receiver) | {placed} ({failedOrders} orders refused) | {webhook.Count} | {duplicates} | {Ms(webhook.P50)} | {Ms(webhook.P99)} | {Ms(webhook.Max)} |");
report.Add($"| baseline: raw POST (send → receiver) | {raw.Count} | {raw.Count} | 0 | {Ms(raw.P50)} | {Ms(raw.P99)} | {Ms(raw.Max)} |");
report.Add("");

// 2. Throughput: a backlog queued while the subscription is paused, sent on resume; beside raw POSTs with the same parallelism.
await PostAsync($"/api/admin/webhooks/subscriptions/{subscriptionId}/pause", new { });
var before = received.Count;
await PlaceBurstAsync(backlog);
var resumeAt = Stopwatch.StartNew();
await PostAsync($"/api/admin/webhooks/subscriptions/{subscriptionId}/resume", new { });
await WaitForAsync(() => received.Count >= before + backlog, TimeSpan.FromMinutes(5));
var deliveriesPerSecond = backlog / resumeAt.Elapsed.TotalSeconds;
var rawPerSecond = await RawThroughputAsync(backlog, 32);
report.Add("| backlog | deliveries/s | baseline: raw POSTs/s (32 parallel) | Mall / raw |");
report.Add("|---|---|---|---|");
report.Add($"| {backlog} events | {deliveriesPerSecond:0} | {rawPerSecond:0} | {deliveriesPerSecond / rawPerSecond:0.00} |");
report.Add("");

// 3. An admin read with an API key vs a bearer token (interleaved rounds).
var key = (await PostAsync("/api/admin/api-keys", new { name = "bench", scopes = new[] { "orders:read" } })).GetProperty("token").GetString()!;
var bearer = (await PostAsync("/api/admin/auth/login", new { userName = "bench", password = "bench-password-1" })).GetProperty("accessToken").GetString()!;
double keyTotal = 0, bearerTotal = 0;
for (var r = 0; r < rounds; r++)
{
    bearerTotal += await ReadsPerSecondAsync(h => h.Authorization = new AuthenticationHeaderValue("Bearer", bearer));
    keyTotal += await ReadsPerSecondAsync(h => h.Add("X-Mall-Api-Key", key));
}
report.Add("| GET /api/admin/orders?pageSize=1, 32 parallel | bearer req/s | API key req/s | key / bearer |");
report.Add("|---|---|---|---|");
report.Add($"| mean of {rounds} interleaved rounds of {authSeconds} s | {bearerTotal / rounds:0} | {keyTotal / rounds:0} | {keyTotal / bearerTotal:0.00} |");

Console.WriteLine(string.Join(Environment.NewLine, report));
await mall.StopAsync();
await receiver.StopAsync();
return;

async Task<JsonElement> PostAsync(string url, object body, string? token = null)
{
    using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
    if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    using var response = await http.SendAsync(request);
    var text = await response.Content.ReadAsStringAsync();
    if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST {url}: {(int)response.StatusCode} {text}");
    return JsonDocument.Parse(text).RootElement.Clone();
}

async Task<bool> PlaceOrderAsync(int n)
{
    using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/orders") { Content = JsonContent.Create(new { lines = new[] { new { skuId, quantity = 1 } } }) };
    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", shoppers[n % shoppers.Count]);
    using var response = await plain.SendAsync(request);
    return response.StatusCode == HttpStatusCode.Created;
}

async Task<(int Placed, int Failed)> PlaceAtRateAsync(int perSecond, int duration)
{
    var tasks = new List<Task<bool>>();
    var clock = Stopwatch.StartNew();
    for (var n = 0; n < perSecond * duration; n++)
    {
        var due = TimeSpan.FromSeconds((double)n / perSecond);
        if (clock.Elapsed < due) await Task.Delay(due - clock.Elapsed);
        tasks.Add(PlaceOrderAsync(n));
    }
    var results = await Task.WhenAll(tasks);
    return (results.Count(r => r), results.Count(r => !r));
}

async Task PlaceBurstAsync(int count) =>
    await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (n, _) => await PlaceOrderAsync(n));

async Task<LatencyLog.Summary> RawPostsAtRateAsync(int perSecond, int duration)
{
    using var client = new HttpClient();
    var tasks = new List<Task>();
    var clock = Stopwatch.StartNew();
    for (var n = 0; n < perSecond * duration; n++)
    {
        var due = TimeSpan.FromSeconds((double)n / perSecond);
        if (clock.Elapsed < due) await Task.Delay(due - clock.Elapsed);
        var body = JsonContent.Create(new { id = $"raw-{n}", occurredAt = DateTime.UtcNow });
        tasks.Add(client.PostAsync(receiverUrl, body));
    }
    await Task.WhenAll(tasks);
    return latencies.Snapshot();
}

async Task<double> RawThroughputAsync(int count, int parallel)
{
    using var client = new HttpClient();
    var clock = Stopwatch.StartNew();
    await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (n, ct) =>
    {
        using var response = await client.PostAsync(receiverUrl, JsonContent.Create(new { id = $"burst-{n}", occurredAt = DateTime.UtcNow }), ct);
    });
    return count / clock.Elapsed.TotalSeconds;
}

async Task<double> ReadsPerSecondAsync(Action<HttpRequestHeaders> authenticate)
{
    var count = 0L;
    using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(authSeconds));
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, 32).Select(async _ =>
    {
        while (!stop.IsCancellationRequested)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/admin/orders?pageSize=1");
            authenticate(request.Headers);
            using var response = await plain.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"read answered {(int)response.StatusCode}");
            Interlocked.Increment(ref count);
        }
    }));
    return count / clock.Elapsed.TotalSeconds;
}

static async Task WaitForAsync(Func<bool> condition, TimeSpan bound)
{
    var clock = Stopwatch.StartNew();
    while (!condition())
    {
        if (clock.Elapsed > bound) throw new TimeoutException("the deliveries did not all arrive");
        await Task.Delay(20);
    }
}

static int Env(string name, int fallback) => int.TryParse(Environment.GetEnvironmentVariable(name), out var v) ? v : fallback;

static string Ms(TimeSpan t) => $"{t.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture)} ms";

/// <summary>Arrival latencies, by event id (the first arrival of each).</summary>
internal sealed class LatencyLog
{
    private ConcurrentDictionary<string, TimeSpan> _values = new();

    public void Add(string id, TimeSpan latency) => _values.TryAdd(id, latency);

    public void Clear() => _values = new();

    public Summary Snapshot()
    {
        var sorted = _values.Values.OrderBy(v => v).ToList();
        if (sorted.Count == 0) return new Summary(0, default, default, default);
        return new Summary(sorted.Count, sorted[(int)(sorted.Count * 0.5)], sorted[Math.Min(sorted.Count - 1, (int)(sorted.Count * 0.99))], sorted[^1]);
    }

    internal sealed record Summary(int Count, TimeSpan P50, TimeSpan P99, TimeSpan Max);
}
