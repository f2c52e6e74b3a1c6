using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Dapper;
using Mall.Data;
using Mall.Plugins.FlashSale;
using Mall.Redis;
using Mall.Web.Tests.Plugins;
using Mall.Web.Tests.Scale;
using Microsoft.Extensions.DependencyInjection;

namespace Mall.Web.Tests.Marketing;

/// <summary>
/// A node of a running flash sale is killed with SIGKILL in the middle of it (attempts in flight, orders being placed
/// from the queue), then started again: after the queue drains and reconciliation runs, sold + reserved + available
/// equals the flash stock, and every admitted ticket has its order or its units back.
/// </summary>
public class FlashSaleCrashTests
{
    [Theory]
    [InlineData("MySql")]
    [InlineData("PostgreSql")]
    public async Task Killing_a_node_mid_sale_loses_no_unit_and_sells_none_twice(string provider)
    {
        const int units = 400;
        await using var a = await FlashSaleTests.StartAsync(provider, redis: true);
        var (itemId, _) = await FlashSaleTests.SessionAsync(a, units, limit: 1, stock: units);
        var tokens = await a.ShopperTokensAsync(1200);

        var node = await StoreProcess.StartAsync(a);
        var statuses = new ConcurrentBag<HttpStatusCode>();
        var work = new ConcurrentQueue<int>(Enumerable.Range(0, tokens.Count));
        var sent = 0;
        var killed = false;
        try
        {
            await Task.WhenAll(Enumerable.Range(0, 96).Select(_ => Task.Run(async () =>
            {
                using var local = a.NewClient();
                while (work.TryDequeue(out var s))
                {
                    // The first half goes to the process; it is killed then, and the rest goes to node A.
                    var toProcess = Interlocked.Increment(ref sent) <= tokens.Count / 2;
                    using var request = new HttpRequestMessage(HttpMethod.Post, $"{FlashSalePlugin.Routes}/items/{itemId}/attempts") { Content = JsonContent.Create(new { quantity = 1, key = "crash" }) };
                    request.Headers.Authorization = new("Bearer", tokens[s].Token);
                    try
                    {
                        using var response = await (toProcess ? node.Client : local).SendAsync(request);
                        statuses.Add(response.StatusCode);
                    }
                    catch (HttpRequestException) when (toProcess)
                    {
                        // In flight when the node died: the shopper does not know; the sale must still add up.
                    }
                    if (!toProcess && !Volatile.Read(ref killed) && Interlocked.Exchange(ref killed, true) == false) node.Kill();
                }
            })));
        }
        finally
        {
            if (!killed) node.Kill();
            await node.DisposeAsync();
        }
        Assert.DoesNotContain(statuses, s => (int)s >= 500);

        // The node comes back; the queue drains (entries the dead node held are claimed after FlashSaleQueue.ClaimAfter).
        await using var restarted = await StoreProcess.StartAsync(a);
        var redis = a.Services.GetRequiredService<MallRedis>().DatabaseOrNull!;
        var prefix = a.Setting("Mall:Redis:KeyPrefix") + $"flashsale:{{{itemId}}}:";
        await FlashSaleTests.WithinAsync(TimeSpan.FromSeconds(90), async () =>
        {
            await a.PostOkAsync($"{FlashSalePlugin.Routes}/admin/reconcile", new { });
            var (sold, reserved) = await FlashSaleTests.CountsAsync(a, itemId);
            var available = (long)await redis.StringGetAsync(prefix + "stock");
            var admitted = await redis.HashLengthAsync(prefix + "tickets");
            await using var connection = await a.Services.GetRequiredService<IMallDatabase>().OpenConnectionAsync();
            var rows = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM flashsale_ticket WHERE item_id = @itemId", new { itemId });
            return sold + reserved + available == units && rows == admitted;
        }, "after the crash and reconciliation, sold + reserved + available is not the flash stock, or a ticket has no row");

        await using var db = await a.Services.GetRequiredService<IMallDatabase>().OpenConnectionAsync();
        var tickets = (await db.QueryAsync<(string Ticket, long CustomerId, short Status, long? OrderId, bool Returned)>(
            "SELECT ticket, customer_id, status, order_id, returned FROM flashsale_ticket WHERE item_id = @itemId", new { itemId })).ToList();
        // Every ticket has its order, or it failed and its units went back; one order per ticket, one unit per shopper.
        Assert.All(tickets, t => Assert.True(t.Status == (short)TicketStatus.Ordered && t.OrderId is not null || t.Status == (short)TicketStatus.Failed && t.Returned, $"ticket {t.Ticket}: status {t.Status}"));
        Assert.Equal(tickets.Count(t => t.OrderId is not null), tickets.Where(t => t.OrderId is not null).Select(t => t.OrderId).Distinct().Count());
        Assert.All(tickets.Where(t => t.Status == (short)TicketStatus.Ordered).GroupBy(t => t.CustomerId), g => Assert.Single(g));
        var counts = await FlashSaleTests.CountsAsync(a, itemId);
        Assert.Equal(tickets.Count(t => t.Status == (short)TicketStatus.Ordered), counts.Reserved);
        Assert.True(counts.Reserved > 0, "nothing sold");
    }

    /// <summary>The sample store as a real process on a loopback port: another node of <c>app</c>'s mall.</summary>
    private sealed class StoreProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly string _folder;

        private StoreProcess(Process process, string folder, string url)
        {
            _process = process;
            _folder = folder;
            Client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        }

        public HttpClient Client { get; }

        public static async Task<StoreProcess> StartAsync(MallApp app)
        {
            var bin = Path.Combine(PluginBuilds.RepositoryRoot, "samples", "Mall.Sample.Store", "bin", Payments.FakeGatewayProcess.BuildConfiguration, "net10.0");
            var folder = Path.Combine(Path.GetTempPath(), "mall-node", Guid.NewGuid().ToString("N"));
            var port = TwoNodeTests.FreePort();
            var info = new ProcessStartInfo("dotnet") { WorkingDirectory = bin, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            info.ArgumentList.Add(Path.Combine(bin, "Mall.Sample.Store.dll"));
            var environment = new Dictionary<string, string?>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["Urls"] = $"http://127.0.0.1:{port}",
                ["Mall__Database__Provider"] = app.Database.Provider,
                ["Mall__Database__ConnectionString"] = app.Database.ConnectionString,
                ["Mall__Redis__Configuration"] = app.Setting("Mall:Redis:Configuration"),
                ["Mall__Redis__KeyPrefix"] = app.Setting("Mall:Redis:KeyPrefix"),
                ["Mall__Admin__ApiKey"] = MallApp.AdminKey,
                ["Mall__DemoCatalog"] = "false",
                ["Mall__RateLimits__Enabled"] = "false",
                ["Mall__Plugins__StorePath"] = Path.Combine(folder, "plugins"),
                ["Mall__Plugins__DropFolder"] = "",
                ["Mall__Themes__StorePath"] = Path.Combine(folder, "themes"),
                ["Logging__LogLevel__Default"] = "Warning",
            };
            foreach (var (key, value) in environment) info.Environment[key] = value;
            var process = Process.Start(info)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var node = new StoreProcess(process, folder, $"http://127.0.0.1:{port}");
            // Up, with the plugin loaded from the database's package.
            Assert.NotNull(await TwoNodeTests.WithinAsync(TimeSpan.FromSeconds(60), async () =>
            {
                try
                {
                    return (await node.Client.GetAsync($"{FlashSalePlugin.Routes}/sessions")).IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }));
            return node;
        }

        /// <summary>SIGKILL: no shutdown, no lease given up, no entry acknowledged.</summary>
        public void Kill()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }

        public async ValueTask DisposeAsync()
        {
            Kill();
            await _process.WaitForExitAsync();
            _process.Dispose();
            Client.Dispose();
            try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
        }
    }
}
