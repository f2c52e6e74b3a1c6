using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

// Usage: Mall.FakeErp <appKey> <appSecret> <scheme: top-md5 | top-hmac | hmac-sha256> [--urls http://127.0.0.1:0]
var appKey = args[0];
var secret = args[1];
var scheme = args[2];
var builder = WebApplication.CreateSlimBuilder(args.Skip(3).ToArray());
builder.Services.AddHttpClient();
var app = builder.Build();
var erp = new Erp();

// The ERP's API: TOP-style form calls to /router, or JSON calls to /api/{method}.
app.MapPost("/router", async (HttpContext http) =>
{
    var form = await http.Request.ReadFormAsync();
    var parameters = form.ToDictionary(p => p.Key, p => p.Value.ToString(), StringComparer.Ordinal);
    if (!parameters.TryGetValue("sign", out var sign) || parameters.GetValueOrDefault("app_key") != appKey) return Reply(401, "missing sign or wrong app_key");
    var plain = string.Concat(parameters.Where(p => p.Key != "sign" && p.Value != "").OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + p.Value));
    var expected = scheme == "top-hmac"
        ? Convert.ToHexString(new HMACMD5(Encoding.UTF8.GetBytes(secret)).ComputeHash(Encoding.UTF8.GetBytes(plain)))
        : Convert.ToHexString(MD5.HashData(Encoding.UTF8.GetBytes(secret + plain + secret)));
    if (!string.Equals(expected, sign, StringComparison.OrdinalIgnoreCase)) return Reply(401, "sign error");
    return await erp.HandleAsync(http, parameters["method"], parameters.GetValueOrDefault("biz") ?? "{}");
});
app.MapPost("/api/{method}", async (string method, HttpContext http) =>
{
    var body = await new StreamReader(http.Request.Body).ReadToEndAsync();
    var h = http.Request.Headers;
    var plain = $"{h["X-Erp-App-Key"]}\n{h["X-Erp-Timestamp"]}\n{h["X-Erp-Nonce"]}\n{h["X-Erp-Method"]}\n{body}";
    var expected = Convert.ToBase64String(new HMACSHA256(Encoding.UTF8.GetBytes(secret)).ComputeHash(Encoding.UTF8.GetBytes(plain)));
    if (h["X-Erp-App-Key"] != appKey || h["X-Erp-Method"] != method || h["X-Erp-Signature"] != expected) return Reply(401, "sign error");
    return await erp.HandleAsync(http, method, body);
});

// Control: what the tests set and read.
app.MapPost("/_control/faults", async (HttpRequest request) =>
{
    var body = JsonNode.Parse(await new StreamReader(request.Body).ReadToEndAsync())!;
    erp.SetFault((string)body["mode"]!, (int?)body["count"] ?? -1, (int?)body["delayMs"] ?? 0);
    return Results.NoContent();
});
app.MapGet("/_control/orders", () => Results.Json(erp.Snapshot()));
app.MapPost("/_control/stock", async (HttpRequest request) =>
{
    var body = JsonNode.Parse(await new StreamReader(request.Body).ReadToEndAsync())!;
    return Results.Json(new { version = erp.Stock.Append((string)body["sku"]!, JsonValue.Create((long)body["qty"]!)) });
});
app.MapPost("/_control/price", async (HttpRequest request) =>
{
    var body = JsonNode.Parse(await new StreamReader(request.Body).ReadToEndAsync())!;
    return Results.Json(new { version = erp.Prices.Append((string)body["sku"]!, body["price"]!.DeepClone()) });
});
// Confirms a shipment to the mall as the ERP would; "stale" and "forge" make a bad call on purpose.
app.MapPost("/_control/ship", async (HttpRequest request, IHttpClientFactory factory) =>
{
    var body = JsonNode.Parse(await new StreamReader(request.Body).ReadToEndAsync())!;
    var biz = new JsonObject { ["so_id"] = (string)body["orderNumber"]!, ["logistics_company"] = (string)body["carrier"]!, ["l_id"] = (string)body["tracking"]! }.ToJsonString();
    var at = DateTimeOffset.UtcNow.AddSeconds((int?)body["offsetSeconds"] ?? 0);
    var useSecret = (bool?)body["forge"] == true ? "not-the-secret" : secret;
    using var message = new HttpRequestMessage(HttpMethod.Post, (string)body["url"]!);
    if (scheme == "hmac-sha256")
    {
        var ts = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var nonce = Guid.NewGuid().ToString("N");
        message.Content = new StringContent(biz, Encoding.UTF8, "application/json");
        message.Headers.Add("X-Erp-App-Key", appKey);
        message.Headers.Add("X-Erp-Timestamp", ts);
        message.Headers.Add("X-Erp-Nonce", nonce);
        message.Headers.Add("X-Erp-Method", "erp.shipment.confirm");
        if ((bool?)body["unsigned"] != true)
            message.Headers.Add("X-Erp-Signature", Convert.ToBase64String(new HMACSHA256(Encoding.UTF8.GetBytes(useSecret)).ComputeHash(
                Encoding.UTF8.GetBytes($"{appKey}\n{ts}\n{nonce}\nerp.shipment.confirm\n{biz}"))));
    }
    else
    {
        var p = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["method"] = "erp.shipment.confirm", ["app_key"] = appKey, ["format"] = "json", ["v"] = "2.0", ["sign_method"] = scheme == "top-hmac" ? "hmac" : "md5",
            ["timestamp"] = at.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), ["biz"] = biz,
        };
        var plain = string.Concat(p.Select(kv => kv.Key + kv.Value));
        if ((bool?)body["unsigned"] != true)
            p["sign"] = scheme == "top-hmac"
                ? Convert.ToHexString(new HMACMD5(Encoding.UTF8.GetBytes(useSecret)).ComputeHash(Encoding.UTF8.GetBytes(plain)))
                : Convert.ToHexString(MD5.HashData(Encoding.UTF8.GetBytes(useSecret + plain + useSecret)));
        message.Content = new FormUrlEncodedContent(p);
    }
    using var response = await factory.CreateClient().SendAsync(message);
    return Results.Json(new { status = (int)response.StatusCode, body = await response.Content.ReadAsStringAsync() });
});

app.Run();

static IResult Reply(int code, string msg, JsonNode? data = null) =>
    Results.Json(new JsonObject { ["code"] = code, ["msg"] = msg, ["data"] = data });

/// <summary>The ERP's state: orders received (by event key), the stock and price feeds, the fault of the moment.</summary>
internal sealed class Erp
{
    private readonly Lock _gate = new();
    private string _fault = "none";
    private int _faultCount;
    private int _delayMs;
    private readonly ConcurrentDictionary<string, JsonObject> _orders = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _receipts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);

    public Feed Stock { get; } = new("qty");
    public Feed Prices { get; } = new("price");

    public void SetFault(string mode, int count, int delayMs)
    {
        lock (_gate) (_fault, _faultCount, _delayMs) = (mode, count, delayMs);
    }

    /// <summary>The fault for this call, counted down.</summary>
    private (string Mode, int DelayMs) TakeFault()
    {
        lock (_gate)
        {
            var mode = _fault;
            if (mode == "none") return (mode, 0);
            if (_faultCount > 0 && --_faultCount == 0) _fault = "none";
            return (mode, _delayMs);
        }
    }

    public async Task<IResult> HandleAsync(HttpContext http, string method, string biz)
    {
        _calls.AddOrUpdate(method, 1, (_, n) => n + 1);
        var (fault, delay) = TakeFault();
        switch (fault)
        {
            case "down":
                http.Abort();
                return Results.Empty;
            case "slow":
                await Task.Delay(delay);
                break;
            case "error500":
                return Results.Text("Internal Server Error", statusCode: 500);
            case "malformed":
                return Results.Text("<html><body>502 Bad Gateway</body></html>", "text/html", statusCode: 200);
        }
        var body = JsonNode.Parse(biz)!.AsObject();
        switch (method)
        {
            case "erp.order.push":
                var key = (string)body["event_key"]!;
                _receipts.AddOrUpdate(key, 1, (_, n) => n + 1);
                var duplicate = !_orders.TryAdd(key, body);
                // "duplicate": the order is taken, but the answer is lost, so the mall sends it again.
                if (fault == "duplicate") return Results.Text("Gateway Timeout", statusCode: 504);
                return Results.Json(new JsonObject { ["code"] = 0, ["msg"] = "ok", ["data"] = new JsonObject { ["duplicate"] = duplicate } });
            case "erp.stock.query":
                return Results.Json(new JsonObject { ["code"] = 0, ["msg"] = "ok", ["data"] = Stock.Page((string?)body["cursor"], (int?)body["limit"] ?? 100, fault == "outOfOrder") });
            case "erp.price.query":
                return Results.Json(new JsonObject { ["code"] = 0, ["msg"] = "ok", ["data"] = Prices.Page((string?)body["cursor"], (int?)body["limit"] ?? 100, fault == "outOfOrder") });
            default:
                return Results.Json(new JsonObject { ["code"] = 404, ["msg"] = "unknown method " + method });
        }
    }

    public JsonObject Snapshot()
    {
        var receipts = new JsonObject();
        foreach (var (key, n) in _receipts) receipts[key] = n;
        var calls = new JsonObject();
        foreach (var (method, n) in _calls) calls[method] = n;
        var orders = new JsonArray();
        foreach (var order in _orders.Values) orders.Add(order.DeepClone());
        return new JsonObject { ["unique"] = _orders.Count, ["receipts"] = receipts, ["calls"] = calls, ["orders"] = orders };
    }
}

/// <summary>A change feed: every change gets the next sequence number, which is also the item's version.</summary>
internal sealed class Feed(string valueName)
{
    private readonly Lock _gate = new();
    private readonly List<(long Seq, string Sku, JsonNode Value)> _changes = [];

    public long Append(string sku, JsonNode value)
    {
        lock (_gate)
        {
            var seq = _changes.Count + 1;
            _changes.Add((seq, sku, value));
            return seq;
        }
    }

    /// <summary>Changes after the cursor; out of order: the page shuffled, with older changes repeated in it.</summary>
    public JsonObject Page(string? cursor, int limit, bool outOfOrder)
    {
        lock (_gate)
        {
            var after = long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var c) ? c : 0;
            var page = _changes.Where(x => x.Seq > after).Take(limit).ToList();
            var items = page.Select(x => x).ToList();
            if (outOfOrder)
            {
                items.AddRange(_changes.Where(x => x.Seq <= after).TakeLast(5));
                items.Reverse();
            }
            var array = new JsonArray();
            foreach (var (seq, sku, value) in items) array.Add(new JsonObject { ["sku"] = sku, [valueName] = value.DeepClone(), ["version"] = seq });
            var next = page.Count > 0 ? page[^1].Seq : after;
            return new JsonObject
            {
                ["items"] = array, ["next_cursor"] = next.ToString(CultureInfo.InvariantCulture), ["has_more"] = _changes.Any(x => x.Seq > next),
            };
        }
    }
}
