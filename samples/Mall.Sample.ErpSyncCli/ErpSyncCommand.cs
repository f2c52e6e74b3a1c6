using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Spectre.Console;

namespace Mall.Sample.ErpSyncCli;

/// <summary>The command line: <c>sync --full --url … --key … [--restart]</c>.</summary>
public sealed record ErpSyncOptions(string? Url, string? Key, bool Restart, string? Error)
{
    public const string Usage = "usage: mall-erp sync --full --url <mall base URL> [--key <API key> | MALL_API_KEY] [--restart]";

    public static ErpSyncOptions Parse(IReadOnlyList<string> args, string? keyFromEnvironment)
    {
        string? url = null, key = keyFromEnvironment;
        bool full = false, restart = false;
        if (args.Count == 0 || args[0] != "sync") return new(null, null, false, "The only command is sync.");
        for (var i = 1; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--full": full = true; break;
                case "--restart": restart = true; break;
                case "--url" when i + 1 < args.Count: url = args[++i]; break;
                case "--key" when i + 1 < args.Count: key = args[++i]; break;
                default: return new(null, null, false, $"Unknown option {args[i]}.");
            }
        }
        if (!full) return new(null, null, false, "sync needs --full (the plugin syncs incrementally by itself).");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https")) return new(null, null, false, "--url must be the mall's http(s) base URL.");
        if (string.IsNullOrWhiteSpace(key)) return new(null, null, false, "An API key is needed: --key or MALL_API_KEY.");
        return new(url, key, restart, null);
    }
}

/// <summary>
/// Runs a full resync through the ERP sync plugin's admin API: starts it (or goes on with the one running), steps it
/// to the end with a progress bar, waits until the ERP has accepted everything queued, and prints a summary. The
/// resync's place is kept by the mall, so an interrupted run goes on where it stopped when started again.
/// </summary>
public sealed class ErpSyncCommand(HttpClient http, IAnsiConsole console)
{
    private const string Admin = "/api/plugins/erpsync/admin";

    public async Task<int> RunAsync(bool restart, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            var progress = await PostAsync($"{Admin}/resync{(restart ? "?restart=true" : "")}", cancellationToken);
            if (progress.GetProperty("orders").GetInt64() > 0)
                console.MarkupLineInterpolated($"Resuming the resync started {progress.GetProperty("startedAt").GetDateTime():u}: {progress.GetProperty("orders").GetInt64()} of {progress.GetProperty("total").GetInt64()} orders done.");
            var status = await GetAsync($"{Admin}/status", cancellationToken);
            await console.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    var total = Math.Max(1, progress.GetProperty("total").GetInt64());
                    var walk = context.AddTask("Queueing orders", maxValue: total);
                    walk.Value = progress.GetProperty("orders").GetInt64();
                    while (progress.GetProperty("status").GetString() != "done")
                    {
                        progress = await PostAsync($"{Admin}/resync/step", cancellationToken);
                        walk.Value = Math.Min(total, progress.GetProperty("orders").GetInt64());
                    }
                    walk.Value = total;

                    // Then the ERP takes what was queued: the backlog drains (or the run stops waiting after a quiet minute).
                    status = await GetAsync($"{Admin}/status", cancellationToken);
                    var start = Math.Max(1, status.GetProperty("backlog").GetInt64());
                    var accept = context.AddTask("ERP accepting", maxValue: start);
                    var quietSince = Stopwatch.StartNew();
                    var last = start;
                    while (status.GetProperty("backlog").GetInt64() > 0 && quietSince.Elapsed < TimeSpan.FromMinutes(1))
                    {
                        await Task.Delay(500, cancellationToken);
                        status = await GetAsync($"{Admin}/status", cancellationToken);
                        var backlog = status.GetProperty("backlog").GetInt64();
                        if (backlog < last) quietSince.Restart();
                        last = backlog;
                        accept.Value = Math.Max(0, start - backlog);
                    }
                    if (status.GetProperty("backlog").GetInt64() == 0) accept.Value = start;
                });

            var table = new Table().AddColumns("", "");
            table.AddRow("Orders walked", progress.GetProperty("orders").ToString());
            table.AddRow("Events queued", progress.GetProperty("queued").ToString());
            table.AddRow("Still pending at the ERP", status.GetProperty("backlog").ToString());
            table.AddRow("Failing", status.GetProperty("failing").ToString());
            table.AddRow("Last error", Markup.Escape(status.GetProperty("lastError").ValueKind == JsonValueKind.String ? status.GetProperty("lastError").GetString()! : "none"));
            table.AddRow("Took", $"{watch.Elapsed.TotalSeconds:0.0} s");
            console.Write(table);
            var drained = status.GetProperty("backlog").GetInt64() == 0;
            console.MarkupLine(drained ? "[green]Resync complete.[/]" : "[yellow]Resync queued; the ERP has not accepted everything yet (see the status).[/]");
            return drained ? 0 : 1;
        }
        catch (OperationCanceledException)
        {
            console.MarkupLine("[yellow]Interrupted. Run the same command again to go on where it stopped.[/]");
            return 130;
        }
        catch (HttpRequestException ex)
        {
            console.MarkupLineInterpolated($"[red]The mall answered: {ex.Message}[/] Run the same command again to go on where it stopped.");
            return 1;
        }
    }

    private async Task<JsonElement> PostAsync(string url, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsync(url, null, cancellationToken);
        return await ReadAsync(response, cancellationToken);
    }

    private async Task<JsonElement> GetAsync(string url, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(url, cancellationToken);
        return await ReadAsync(response, cancellationToken);
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var detail = text;
            try { detail = JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString() ?? text; } catch (JsonException) { } catch (KeyNotFoundException) { }
            throw new HttpRequestException($"{(int)response.StatusCode} {detail}");
        }
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
