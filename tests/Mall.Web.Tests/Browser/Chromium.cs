using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mall.Web.Tests.Browser;

/// <summary>
/// Debian's headless Chromium driven over the DevTools protocol (one page, one WebSocket): navigate, evaluate
/// script, wait for conditions, set the viewport, take screenshots. No browser is downloaded: the test fails when
/// <c>chromium</c> is missing (<c>./build.sh test</c> installs it).
/// </summary>
public sealed class Chromium : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ClientWebSocket _socket;
    private readonly string _profile;
    private readonly string _session;
    private int _nextId;

    private Chromium(Process process, ClientWebSocket socket, string profile, string session)
    {
        _process = process;
        _socket = socket;
        _profile = profile;
        _session = session;
    }

    /// <summary>The Chromium binary: <c>MALL_CHROMIUM</c>, else Debian's.</summary>
    public static string Binary => Environment.GetEnvironmentVariable("MALL_CHROMIUM") is { Length: > 0 } path ? path
        : new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists) ?? "chromium";

    public static async Task<Chromium> StartAsync()
    {
        var profile = Path.Combine(Path.GetTempPath(), "mall-chromium", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(profile);
        var info = new ProcessStartInfo(Binary) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", "--disable-dev-shm-usage", "--hide-scrollbars", $"--user-data-dir={profile}", "--remote-debugging-port=0", "about:blank",
                 })
            info.ArgumentList.Add(arg);
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"Chromium ({Binary}) is not installed: apt-get install chromium (./build.sh test does).", ex);
        }
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // Chromium writes its port and browser endpoint to DevToolsActivePort once it listens.
        var portFile = Path.Combine(profile, "DevToolsActivePort");
        var until = DateTime.UtcNow.AddSeconds(30);
        string[] lines = [];
        while (DateTime.UtcNow < until)
        {
            if (File.Exists(portFile) && (lines = await File.ReadAllLinesAsync(portFile)).Length >= 2) break;
            if (process.HasExited) throw new InvalidOperationException($"Chromium exited with {process.ExitCode} at start.");
            await Task.Delay(100);
        }
        if (lines.Length < 2) throw new InvalidOperationException("Chromium did not open its DevTools port within 30 s.");
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{lines[0]}{lines[1]}"), CancellationToken.None);
        var browser = new Chromium(process, socket, profile, "");
        var target = await browser.SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank" });
        var attached = await browser.SendAsync("Target.attachToTarget", new JsonObject { ["targetId"] = target["targetId"]!.GetValue<string>(), ["flatten"] = true });
        var page = new Chromium(process, socket, profile, attached["sessionId"]!.GetValue<string>()) { _nextId = browser._nextId };
        await page.SendAsync("Page.enable");
        return page;
    }

    /// <summary>Sets the viewport (phone: mobile emulation).</summary>
    public Task ViewportAsync(int width, int height, bool mobile) =>
        SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject { ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = mobile });

    /// <summary>Opens a URL and waits until the document has loaded.</summary>
    public async Task GoAsync(string url)
    {
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url });
        await WaitAsync($"location.href === {JsonSerializer.Serialize(url)} && document.readyState === 'complete'", $"loading {url}");
    }

    /// <summary>Evaluates a script expression (promises awaited) and returns its JSON value.</summary>
    public async Task<JsonNode?> EvalAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["awaitPromise"] = true, ["returnByValue"] = true });
        if (result["exceptionDetails"] is { } error) throw new InvalidOperationException($"Script failed: {expression}: {error.ToJsonString()}");
        return result["result"]?["value"];
    }

    /// <summary>Waits until <paramref name="condition"/> (a script expression) is true.</summary>
    public async Task WaitAsync(string condition, string what, int seconds = 20)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            try
            {
                if (await EvalAsync($"!!({condition})") is JsonValue v && v.GetValue<bool>()) return;
            }
            catch (InvalidOperationException) when (DateTime.UtcNow < until)
            {
                // The page may be navigating: evaluate again.
            }
            if (DateTime.UtcNow > until)
                throw new TimeoutException($"Waited {seconds} s for {what}; the page is {await EvalAsync("location.href")}: {await EvalAsync("document.body ? document.body.innerText.slice(0, 500) : ''")}");
            await Task.Delay(100);
        }
    }

    /// <summary>Clicks the element matching a CSS selector.</summary>
    public async Task ClickAsync(string selector)
    {
        await WaitAsync($"document.querySelector({JsonSerializer.Serialize(selector)}) && !document.querySelector({JsonSerializer.Serialize(selector)}).disabled", $"{selector} to be clickable");
        await EvalAsync($"document.querySelector({JsonSerializer.Serialize(selector)}).click()");
    }

    /// <summary>Types into a form field.</summary>
    public Task FillAsync(string selector, string value) =>
        EvalAsync($"(() => {{ const e = document.querySelector({JsonSerializer.Serialize(selector)}); e.value = {JsonSerializer.Serialize(value)}; e.dispatchEvent(new Event('input', {{ bubbles: true }})); }})()");

    /// <summary>Chooses a file for the <c>input type=file</c> matching a CSS selector (its change event fires).</summary>
    public async Task SetFileAsync(string selector, string path)
    {
        await WaitAsync($"document.querySelector({JsonSerializer.Serialize(selector)})", $"{selector} to exist");
        var root = await SendAsync("DOM.getDocument", new JsonObject { ["depth"] = 0 });
        var found = await SendAsync("DOM.querySelector", new JsonObject { ["nodeId"] = root["root"]!["nodeId"]!.GetValue<int>(), ["selector"] = selector });
        await SendAsync("DOM.setFileInputFiles", new JsonObject { ["files"] = new JsonArray(path), ["nodeId"] = found["nodeId"]!.GetValue<int>() });
    }

    /// <summary>Empties the browser's HTTP cache (the next page load is a cold one).</summary>
    public Task ClearCacheAsync() => SendAsync("Network.clearBrowserCache");

    /// <summary>Saves a PNG of the whole page.</summary>
    public async Task ScreenshotAsync(string path)
    {
        var result = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png", ["captureBeyondViewport"] = true });
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, Convert.FromBase64String(result["data"]!.GetValue<string>()));
    }

    private async Task<JsonObject> SendAsync(string method, JsonObject? parameters = null)
    {
        var id = Interlocked.Increment(ref _nextId) + (_session.Length == 0 ? 0 : 100_000);
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        if (_session.Length > 0) message["sessionId"] = _session;
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[1 << 16];
        while (true)
        {
            using var received = new MemoryStream();
            WebSocketReceiveResult part;
            do
            {
                part = await _socket.ReceiveAsync(buffer, timeout.Token);
                received.Write(buffer, 0, part.Count);
            }
            while (!part.EndOfMessage);
            // Events and other answers are skipped: one command is in flight at a time.
            if (JsonNode.Parse(received.ToArray()) is not JsonObject answer || answer["id"]?.GetValue<int>() != id) continue;
            if (answer["error"] is { } error) throw new InvalidOperationException($"{method}: {error.ToJsonString()}");
            return answer["result"]?.AsObject() ?? [];
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open) await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        }
        catch (WebSocketException)
        {
        }
        _socket.Dispose();
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        try { Directory.Delete(_profile, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
