// Plugin lifecycle benchmark (issue 4): p50/p95 over N cycles of
//   load + enable  — PluginManager.EnableAsync of an installed plugin (copy, load context, scope, endpoints, hook, publish)
//   unload         — PluginManager.DisableAsync, then GC until the load context is collected
// beside the same two steps done by a bare collectible AssemblyLoadContext (the runtime's floor).
// Usage: dotnet run -c Release --project bench/Mall.Bench.Plugins -- [cycles] [output.md]
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using Mall.Plugins;
using Mall.Web.Plugins;

var cycles = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100;
var output = args.Length > 1 ? args[1] : null;
const int Warmup = 10;
var root = FindRepositoryRoot();
var package = Path.Combine(root, "samples", "Mall.Sample.HelloPlugin", "bin", "Release", "Mall.Sample.HelloPlugin.1.0.0.mallplugin");
if (!File.Exists(package)) throw new FileNotFoundException("Build the sample plugin in Release first (dotnet build -c Release bench/Mall.Bench.Plugins).", package);
var work = Path.Combine(Path.GetTempPath(), "mall-bench-plugins", Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(work);

var builder = WebApplication.CreateBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseUrls("http://127.0.0.1:0");
builder.AddMall(o =>
{
    o.Database.UseSqlite($"Data Source={Path.Combine(work, "mall.db")}");
    o.Plugins.StorePath = Path.Combine(work, "store");
    o.Plugins.DropFolder = "";
});
var app = builder.Build();
app.MapMall();
await app.StartAsync();
var address = app.Urls.First();
using var http = new HttpClient { BaseAddress = new Uri(address) };
var manager = app.Services.GetRequiredService<PluginManager>();
WeakReference? lastUnloaded = null;
manager.Unloaded += u => lastUnloaded = u.LoadContext;

await using (var stream = File.OpenRead(package)) await manager.UploadAsync(stream, CancellationToken.None);
await manager.InstallAsync("Mall.Sample.Hello", null, enable: false, CancellationToken.None);

var enable = new List<double>();
var unload = new List<double>();
for (var i = 0; i < Warmup + cycles; i++)
{
    var clock = Stopwatch.StartNew();
    await manager.EnableAsync("Mall.Sample.Hello", CancellationToken.None);
    var enabled = clock.Elapsed.TotalMilliseconds;
    (await http.GetAsync("/api/plugins/hello")).EnsureSuccessStatusCode();
    clock.Restart();
    await manager.DisableAsync("Mall.Sample.Hello", CancellationToken.None);
    WaitUntilCollected(lastUnloaded!);
    var unloaded = clock.Elapsed.TotalMilliseconds;
    if (i >= Warmup)
    {
        enable.Add(enabled);
        unload.Add(unloaded);
    }
}
await app.StopAsync();

// The floor: a bare collectible context loading the same assembly and creating the plugin class.
var extracted = Path.Combine(work, "raw");
ZipFile.ExtractToDirectory(package, extracted);
var rawLoad = new List<double>();
var rawUnload = new List<double>();
for (var i = 0; i < Warmup + cycles; i++)
{
    var clock = Stopwatch.StartNew();
    var context = RawLoad(extracted, i);
    var loaded = clock.Elapsed.TotalMilliseconds;
    clock.Restart();
    WaitUntilCollected(context);
    if (i >= Warmup)
    {
        rawLoad.Add(loaded);
        rawUnload.Add(clock.Elapsed.TotalMilliseconds);
    }
}
Directory.Delete(work, recursive: true);

var lines = new List<string>
{
    $"Plugin lifecycle, {cycles} cycles after {Warmup} warm-up cycles, sample plugin Mall.Sample.Hello 1.0.0 in a running host (SQLite), {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.",
    "",
    "| step | p50 ms | p95 ms | max ms | bare ALC p50 ms | bare ALC p95 ms | p95 / bare p95 | goal (p95) |",
    "|---|---|---|---|---|---|---|---|",
    Row("warm load + enable", enable, rawLoad, 50),
    Row("disable + unload until collected", unload, rawUnload, 100),
};
foreach (var line in lines) Console.WriteLine(line);
if (output is not null) await File.WriteAllLinesAsync(output, lines);

static string Row(string step, List<double> values, List<double> floor, double goal)
{
    var p95 = Percentile(values, 0.95);
    return $"| {step} | {Percentile(values, 0.5):F1} | {p95:F1} | {values.Max():F1} | {Percentile(floor, 0.5):F1} | {Percentile(floor, 0.95):F1} | " +
           $"{p95 / Math.Max(Percentile(floor, 0.95), 0.001):F1} | ≤ {goal} ms: {(p95 <= goal ? "met" : "not met")} |";
}

static double Percentile(List<double> values, double p)
{
    var sorted = values.Order().ToList();
    return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}

static void WaitUntilCollected(WeakReference reference)
{
    for (var i = 0; reference.IsAlive; i++)
    {
        if (i > 1000) throw new InvalidOperationException("A plugin context was not collected.");
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }
}

[MethodImpl(MethodImplOptions.NoInlining)]
static WeakReference RawLoad(string folder, int cycle)
{
    var entry = Path.Combine(folder, "Mall.Sample.HelloPlugin.dll");
    var context = new BareContext(entry, $"bare-{cycle}");
    var type = context.LoadFromAssemblyPath(entry).GetExportedTypes().Single(t => typeof(MallPlugin).IsAssignableFrom(t));
    _ = (MallPlugin)Activator.CreateInstance(type)!;
    context.Unload();
    return new WeakReference(context);
}

static string FindRepositoryRoot()
{
    for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        if (File.Exists(Path.Combine(directory.FullName, "Mall.sln"))) return directory.FullName;
    throw new InvalidOperationException("Mall.sln not found.");
}

/// <summary>A collectible context that shares everything but the plugin's own assembly.</summary>
internal sealed class BareContext(string entry, string name) : AssemblyLoadContext(name, isCollectible: true)
{
    private readonly AssemblyDependencyResolver _resolver = new(entry);

    protected override Assembly? Load(AssemblyName assemblyName) =>
        assemblyName.Name == "Mall.Sample.HelloPlugin" && _resolver.ResolveAssemblyToPath(assemblyName) is { } path ? LoadFromAssemblyPath(path) : null;
}
