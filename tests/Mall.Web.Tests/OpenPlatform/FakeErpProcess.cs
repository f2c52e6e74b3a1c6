using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Mall.Web.Tests.Payments;
using Mall.Web.Tests.Plugins;

namespace Mall.Web.Tests.OpenPlatform;

/// <summary>The fake ERP (tests/Mall.FakeErp) as its own process on a free loopback port, with its control API.</summary>
public sealed class FakeErpProcess : IAsyncDisposable
{
    private readonly Process _process;

    private FakeErpProcess(Process process, string url, string appKey, string secret, string scheme)
    {
        _process = process;
        Url = url;
        AppKey = appKey;
        Secret = secret;
        Scheme = scheme;
        Client = new HttpClient { BaseAddress = new Uri(url) };
    }

    public string Url { get; }
    public string AppKey { get; }
    public string Secret { get; }
    public string Scheme { get; }
    public HttpClient Client { get; }

    public static async Task<FakeErpProcess> StartAsync(string scheme, string appKey = "mall-store-1", string secret = "erp-secret-0123456789")
    {
        var dll = Path.Combine(PluginBuilds.RepositoryRoot, "tests", "Mall.FakeErp", "bin", FakeGatewayProcess.BuildConfiguration, "net10.0", "Mall.FakeErp.dll");
        var (process, url) = await LoopbackProcess.StartAsync(dll, "The fake ERP", appKey, secret, scheme);
        return new FakeErpProcess(process, url, appKey, secret, scheme);
    }

    /// <summary>Misbehave for the next <paramref name="count"/> calls (-1: until told otherwise): none, down, slow, error500, duplicate, malformed, outOfOrder.</summary>
    public async Task FaultAsync(string mode, int count = -1, int delayMs = 0) =>
        (await Client.PostAsJsonAsync("/_control/faults", new { mode, count, delayMs })).EnsureSuccessStatusCode();

    public async Task<JsonElement> OrdersAsync() => await Client.GetFromJsonAsync<JsonElement>("/_control/orders");

    public async Task<long> SetStockAsync(string sku, long qty) =>
        (await (await Client.PostAsJsonAsync("/_control/stock", new { sku, qty })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64();

    public async Task<long> SetPriceAsync(string sku, object price) =>
        (await (await Client.PostAsJsonAsync("/_control/price", new { sku, price })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64();

    /// <summary>Has the ERP confirm a shipment to the mall; answers the mall's status and body.</summary>
    public async Task<(int Status, string Body)> ShipAsync(string mallInboundUrl, string orderNumber, string carrier, string tracking, bool forge = false, bool unsigned = false, int offsetSeconds = 0)
    {
        var reply = await (await Client.PostAsJsonAsync("/_control/ship", new { url = mallInboundUrl, orderNumber, carrier, tracking, forge, unsigned, offsetSeconds })).Content.ReadFromJsonAsync<JsonElement>();
        return (reply.GetProperty("status").GetInt32(), reply.GetProperty("body").GetString()!);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await LoopbackProcess.StopAsync(_process);
    }
}
