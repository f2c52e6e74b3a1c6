using Mall.Sample.ErpSyncCli;
using Spectre.Console;

// mall-erp sync --full --url http://localhost:5000 --key <API key with orders:read and orders:write> [--restart]
// The key may also come from MALL_API_KEY. Interrupted (Ctrl+C, a lost connection), run it again: it goes on where it stopped.
var options = ErpSyncOptions.Parse(args, Environment.GetEnvironmentVariable("MALL_API_KEY"));
if (options.Error is { } error)
{
    AnsiConsole.MarkupLineInterpolated($"[red]{error}[/]");
    AnsiConsole.WriteLine(ErpSyncOptions.Usage);
    return 2;
}
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
using var http = new HttpClient { BaseAddress = new Uri(options.Url!), Timeout = TimeSpan.FromSeconds(100) };
http.DefaultRequestHeaders.Add("X-Mall-Api-Key", options.Key);
return await new ErpSyncCommand(http, AnsiConsole.Console).RunAsync(options.Restart, cancel.Token);
