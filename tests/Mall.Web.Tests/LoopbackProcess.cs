using System.Diagnostics;

namespace Mall.Web.Tests;

/// <summary>Starts a built test server (<c>dotnet &lt;dll&gt; … --urls http://127.0.0.1:0</c>) and learns its address from Kestrel's log.</summary>
internal static class LoopbackProcess
{
    public static async Task<(Process Process, string Url)> StartAsync(string dll, string name, params string[] arguments)
    {
        Assert.True(File.Exists(dll), $"{dll} is missing: build the solution first.");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in arguments.Prepend(dll).Concat(["--urls", "http://127.0.0.1:0"])) info.ArgumentList.Add(arg);
        var process = Process.Start(info)!;
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.IndexOf("Now listening on: ", StringComparison.Ordinal) is { } at and >= 0) listening.TrySetResult(e.Data[(at + "Now listening on: ".Length)..].Trim());
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (await Task.WhenAny(listening.Task, Task.Delay(TimeSpan.FromSeconds(60))) != listening.Task)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{name} did not start listening within 60 s.");
        }
        return (process, await listening.Task);
    }

    /// <summary>Stops a process started by <see cref="StartAsync"/>.</summary>
    public static async Task StopAsync(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process.Dispose();
    }
}
