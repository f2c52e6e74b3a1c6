using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mall.Packages.Tests;

/// <summary>A built app started as its own process on a free loopback port, as `dotnet run` would; killed on dispose.</summary>
internal sealed class RunningApp : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private RunningApp(Process process, Uri address)
    {
        _process = process;
        Address = address;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }

    public HttpClient Http { get; }

    public string Log { get { lock (_log) return _log.ToString(); } }

    /// <summary>
    /// Runs <c>dotnet</c> with <paramref name="arguments"/> and <c>--urls</c> on a free port in the project folder (the
    /// content root), e.g. <c>run --no-build -c Release</c> as the README says or an app's dll, and waits until
    /// <c>/health</c> answers 200.
    /// </summary>
    public static async Task<RunningApp> StartAsync(string projectFolder, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var port = FreePort();
        var address = new Uri($"http://127.0.0.1:{port}/");
        var assembly = string.Join(' ', arguments);
        var start = Cli.Start(projectFolder, "dotnet", [.. arguments, "--urls", address.ToString().TrimEnd('/')], environment);
        var app = new RunningApp(Process.Start(start)!, address);
        app._process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (app._log) app._log.AppendLine(e.Data); };
        app._process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (app._log) app._log.AppendLine(e.Data); };
        app._process.BeginOutputReadLine();
        app._process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (app._process.HasExited) throw new InvalidOperationException($"{assembly} exited ({app._process.ExitCode}) before answering:\n{app.Log}");
            try
            {
                using var health = await app.Http.GetAsync("/health");
                if (health.StatusCode == HttpStatusCode.OK) return app;
            }
            catch (HttpRequestException) { }
            await Task.Delay(250);
        }
        await app.DisposeAsync();
        throw new TimeoutException($"{assembly} did not answer /health within 90 s:\n{app.Log}");
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
