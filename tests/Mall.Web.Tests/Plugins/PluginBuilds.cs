using System.Diagnostics;
using System.IO.Compression;
using System.Text;

namespace Mall.Web.Tests.Plugins;

/// <summary>
/// Builds real plugin projects with <c>dotnet build</c> in temporary folders (outside the repository, so none of its
/// build settings apply), referencing Mall's contract assemblies the way a third-party plugin does, and packs them
/// with Mall's own <c>.mallplugin</c> targets. Built once per test run.
/// </summary>
public sealed class PluginBuilds : IAsyncLifetime
{
    public static readonly string RepositoryRoot = FindRepositoryRoot();
    private readonly string _root = Path.Combine(Path.GetTempPath(), "mall-plugin-builds", Guid.NewGuid().ToString("N"));

    public string HelloV1 { get; private set; } = "";
    public string HelloV2 { get; private set; } = "";
    public string JsonOld { get; private set; } = "";
    public string JsonNew { get; private set; } = "";
    public string FailsOnEnable { get; private set; } = "";
    public string ThrowingHandler { get; private set; } = "";
    public string FlatShipping { get; private set; } = "";
    public string Widget { get; private set; } = "";
    public string Pinned { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var builds = new[]
        {
            BuildHelloAsync("1.0.0"),
            BuildHelloAsync("2.0.0"),
            BuildAsync("Test.JsonOld", "1.0.0", JsonPlugin("Test.JsonOld"), """<PackageReference Include="Newtonsoft.Json" Version="12.0.3" />"""),
            BuildAsync("Test.JsonNew", "1.0.0", JsonPlugin("Test.JsonNew"), """<PackageReference Include="Newtonsoft.Json" Version="13.0.3" />"""),
            BuildAsync("Test.FailsOnEnable", "1.0.0", FailsOnEnablePlugin),
            BuildAsync("Test.ThrowingHandler", "1.0.0", ThrowingHandlerPlugin),
            BuildAsync("Test.FlatShipping", "1.0.0", FlatShippingPlugin),
            BuildAsync("Test.Widget", "1.0.0", WidgetPlugin),
            BuildAsync("Test.Pinned", "1.0.0", PinnedPlugin),
        };
        var paths = await Task.WhenAll(builds);
        (HelloV1, HelloV2, JsonOld, JsonNew, FailsOnEnable, ThrowingHandler, FlatShipping) = (paths[0], paths[1], paths[2], paths[3], paths[4], paths[5], paths[6]);
        Widget = paths[7];
        Pinned = paths[8];
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
        return Task.CompletedTask;
    }

    /// <summary>A copy of <paramref name="package"/> with its manifest edited (for manifests the host must reject).</summary>
    public string WithManifest(string package, Func<string, string> edit)
    {
        var copy = Path.Combine(_root, "edited", Guid.NewGuid().ToString("N") + ".mallplugin");
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        File.Copy(package, copy);
        using var zip = ZipFile.Open(copy, ZipArchiveMode.Update);
        EditManifest(zip, edit);
        return copy;
    }

    /// <summary>Replaces the plugin.json of an open package with <paramref name="edit"/> of it.</summary>
    internal static void EditManifest(ZipArchive zip, Func<string, string> edit)
    {
        var entry = zip.GetEntry("plugin.json")!;
        string text;
        using (var reader = new StreamReader(entry.Open())) text = reader.ReadToEnd();
        entry.Delete();
        using var writer = new StreamWriter(zip.CreateEntry("plugin.json").Open(), new UTF8Encoding(false));
        writer.Write(edit(text));
    }

    /// <summary>The sample HelloPlugin's sources, built as <paramref name="version"/>.</summary>
    private Task<string> BuildHelloAsync(string version)
    {
        var sample = Path.Combine(RepositoryRoot, "samples", "Mall.Sample.HelloPlugin");
        var files = Directory.EnumerateFiles(sample, "*.cs").ToDictionary(f => Path.GetFileName(f), File.ReadAllText);
        files["plugin.json"] = File.ReadAllText(Path.Combine(sample, "plugin.json"))
            .Replace("\"version\": \"1.0.0\"", $"\"version\": \"{version}\"", StringComparison.Ordinal)
            .Replace("\"$schema\": \"../../docs/plugin.schema.json\",", "", StringComparison.Ordinal);
        return BuildAsync("Mall.Sample.HelloPlugin", version, files, packageReferences: "");
    }

    private Task<string> BuildAsync(string id, string version, string source, string packageReferences = "") =>
        BuildAsync(id, version, new Dictionary<string, string>
        {
            ["Plugin.cs"] = source,
            ["plugin.json"] = $$"""{ "id": "{{id}}", "name": "{{id}}", "version": "{{version}}", "entryAssembly": "{{id}}.dll", "mallVersion": "[0.1.0, 1.0.0)" }""",
        }, packageReferences);

    private async Task<string> BuildAsync(string assemblyName, string version, IDictionary<string, string> files, string packageReferences)
    {
        var folder = Path.Combine(_root, $"{assemblyName}-{version}");
        Directory.CreateDirectory(folder);
        foreach (var (name, text) in files) await File.WriteAllTextAsync(Path.Combine(folder, name), text);
        var bin = AppContext.BaseDirectory;
        await File.WriteAllTextAsync(Path.Combine(folder, assemblyName + ".csproj"), $$"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <AssemblyName>{{assemblyName}}</AssemblyName>
                <Version>{{version}}</Version>
                <MallPlugin>true</MallPlugin>
              </PropertyGroup>
              <ItemGroup>
                <FrameworkReference Include="Microsoft.AspNetCore.App" />
                <Reference Include="Mall.Core" HintPath="{{Path.Combine(bin, "Mall.Core.dll")}}" Private="false" />
                <Reference Include="Mall.Web" HintPath="{{Path.Combine(bin, "Mall.Web.dll")}}" Private="false" />
                <Reference Include="Mall.Plugins.Sdk" HintPath="{{Path.Combine(bin, "Mall.Plugins.Sdk.dll")}}" Private="false" />
                {{packageReferences}}
              </ItemGroup>
              <ItemGroup>
                <None Update="plugin.json" CopyToOutputDirectory="PreserveNewest" />
              </ItemGroup>
              <Import Project="{{Path.Combine(RepositoryRoot, "src", "Mall.Plugins.Sdk", "build", "Mall.Plugins.Sdk.targets")}}" />
            </Project>
            """);
        await DotnetAsync(folder, "build", "-c", "Release", "--nologo", "-v", "q");
        var package = Path.Combine(folder, "bin", "Release", $"{assemblyName}.{version}.mallplugin");
        Assert.True(File.Exists(package), $"The build of {assemblyName} {version} made no package at {package}.");
        return package;
    }

    /// <summary>Runs the dotnet CLI without the MSBuild settings the test host inherited.</summary>
    public static async Task DotnetAsync(string workingDirectory, params string[] arguments)
    {
        var (exitCode, output) = await DotnetResultAsync(workingDirectory, arguments);
        Assert.True(exitCode == 0, $"dotnet {string.Join(' ', arguments)} in {workingDirectory} failed ({exitCode}):\n{output}");
    }

    /// <summary>Runs the dotnet CLI as <see cref="DotnetAsync"/> does; answers its exit code and output, for builds that must fail.</summary>
    public static async Task<(int ExitCode, string Output)> DotnetResultAsync(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k == "MSBUILD_EXE_PATH").ToList())
            start.Environment.Remove(key);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, $"{await output}\n{await error}");
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "Mall.sln"))) return directory.FullName;
        throw new InvalidOperationException("Mall.sln not found above the test folder.");
    }

    private static string JsonPlugin(string id) => $$"""
        using Mall.Plugins;
        using Microsoft.AspNetCore.Builder;
        using Microsoft.AspNetCore.Http;
        using Microsoft.AspNetCore.Routing;
        using Newtonsoft.Json;

        namespace Test;

        public sealed class JsonPlugin : MallPlugin, IPluginEndpoints
        {
            public void MapEndpoints(IEndpointRouteBuilder endpoints) =>
                endpoints.MapGet("/api/plugins/{{id}}/json", () => Results.Text(
                    JsonConvert.SerializeObject(new { library = typeof(JsonConvert).Assembly.GetName().Version!.ToString() }), "application/json"));
        }
        """;

    private const string FailsOnEnablePlugin = """
        using Mall.Plugins;

        namespace Test;

        public sealed class FailsOnEnable : MallPlugin
        {
            public override Task EnableAsync(PluginContext context, CancellationToken cancellationToken) =>
                throw new InvalidOperationException("boom on enable");
        }
        """;

    /// <summary>A plugin that subscribes to a host event and never lets go: its context can never be collected.</summary>
    private const string PinnedPlugin = """
        using Mall.Plugins;

        namespace Test;

        public sealed class Pinned : MallPlugin
        {
            public override Task EnableAsync(PluginContext context, CancellationToken cancellationToken)
            {
                AppDomain.CurrentDomain.ProcessExit += OnExit;
                return Task.CompletedTask;
            }

            private void OnExit(object? sender, EventArgs e) { }
        }
        """;

    private const string FlatShippingPlugin = """
        using Mall.Checkout;
        using Mall.Plugins;
        using Mall.Shipping;
        using Microsoft.Extensions.DependencyInjection;

        namespace Test;

        public sealed class FlatShipping : MallPlugin
        {
            public override void ConfigureServices(IServiceCollection services) =>
                services.AddSingleton<IShippingRateProvider, FlatRate>();

            private sealed class FlatRate : IShippingRateProvider
            {
                public string Name => "Flat";

                public Task<ShippingRate?> QuoteAsync(CheckoutContext context, CancellationToken cancellationToken) =>
                    Task.FromResult<ShippingRate?>(new ShippingRate(8m, "Flat rate"));
            }
        }
        """;

    private const string WidgetPlugin = """
        using Mall.Plugins;
        using Mall.Themes;
        using Mall.Web.Themes;
        using Microsoft.Extensions.DependencyInjection;

        namespace Test;

        public sealed class Widget : MallPlugin
        {
            public override void ConfigureServices(IServiceCollection services)
            {
                services.AddSingleton<IStorefrontWidget, GroupPriceBadge>();
                services.AddSingleton<ITemplateHelper, Shout>();
            }
        }

        // A helper for every theme: {{ shout text }}.
        public sealed class Shout : ITemplateHelper
        {
            public string Name => "shout";

            public string Invoke(RenderContext context, IReadOnlyList<object?> arguments, out bool raw)
            {
                raw = false;
                return (arguments.Count > 0 ? arguments[0]?.ToString() ?? "" : "").ToUpperInvariant();
            }
        }

        // Its own view model type: the host flattens it before a template sees it, so it does not outlive the plugin.
        public sealed record BadgeModel(string Text, long ProductId);

        public sealed class GroupPriceBadge : IStorefrontWidget
        {
            public string Zone => "product_after_price";

            public string Template => "<p class=\"plugin-badge\">{{ shout text }} #{{ productId }}</p>";

            public Task<object?> ModelAsync(WidgetContext context, CancellationToken cancellationToken) =>
                Task.FromResult<object?>(context.ProductId is { } id ? new BadgeModel("拼团价 <group>", id) : null);
        }
        """;

    private const string ThrowingHandlerPlugin = """
        using Mall.Events;
        using Mall.Ordering;
        using Mall.Plugins;
        using Microsoft.Extensions.DependencyInjection;

        namespace Test;

        public sealed class ThrowingHandler : MallPlugin
        {
            public override void ConfigureServices(IServiceCollection services) =>
                services.AddSingleton<IDomainEventHandler<OrderPlacedEvent>, Handler>();

            private sealed class Handler : IDomainEventHandler<OrderPlacedEvent>
            {
                public Task HandleAsync(OrderPlacedEvent domainEvent, CancellationToken cancellationToken) =>
                    throw new InvalidOperationException($"handler broke on {domainEvent.Number}");
            }
        }
        """;
}

// Run alone, after the parallel classes: the memory bound of the install/uninstall cycles measures the whole
// process, which other tests running at the same time would disturb.
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PluginBuildsCollection : ICollectionFixture<PluginBuilds>
{
    public const string Name = "Plugin builds";
}
