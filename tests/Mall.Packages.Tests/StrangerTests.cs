using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Mall.Packages.Tests;

/// <summary>
/// What a developer who has never seen this repository does with the packages: install the templates, make a store, a
/// plugin and a theme, build them, run the store, install the plugin and the theme over HTTP.
/// </summary>
[Collection(PackageFeedCollection.Name)]
public sealed class StrangerTests(PackageFeed feed)
{
    [Fact]
    public async Task A_stranger_makes_a_store_a_plugin_and_a_theme_from_the_templates_and_installs_them_over_HTTP()
    {
        var folder = feed.NewStrangerFolder("stranger");
        var hive = Path.Combine(folder, ".templates");
        await Cli.DotnetAsync(folder, "new", "install", Path.Combine(feed.Folder, $"Mall.Templates.{feed.Version}.nupkg"), "--debug:custom-hive", hive);
        await Cli.DotnetAsync(folder, "new", "mall-store", "-n", "Shop", "--demo-data", "--debug:custom-hive", hive);
        await Cli.DotnetAsync(folder, "new", "mall-plugin", "-n", "Acme.Greeter", "--debug:custom-hive", hive);
        await Cli.DotnetAsync(folder, "new", "mall-theme", "-n", "acme-red", "--theme-author", "Acme", "--debug:custom-hive", hive);

        // Packages only: the projects know this repository by no path, and they reference the version just packed.
        foreach (var project in Directory.EnumerateFiles(folder, "*.csproj", SearchOption.AllDirectories))
        {
            var text = await File.ReadAllTextAsync(project);
            Assert.DoesNotContain("ProjectReference", text, StringComparison.Ordinal);
            Assert.DoesNotContain(PackageFeed.RepositoryRoot, text, StringComparison.Ordinal);
        }
        Assert.Contains($"Include=\"Mall\" Version=\"{feed.Version}\"", await File.ReadAllTextAsync(Path.Combine(folder, "Shop", "Shop.csproj")), StringComparison.Ordinal);
        Assert.Contains($"Include=\"Mall.Plugins.Sdk\" Version=\"{feed.Version}\"", await File.ReadAllTextAsync(Path.Combine(folder, "Acme.Greeter", "Acme.Greeter.csproj")), StringComparison.Ordinal);

        await Cli.DotnetAsync(Path.Combine(folder, "Shop"), "build", "-c", "Release", "-nologo", "-v", "q");
        await Cli.DotnetAsync(Path.Combine(folder, "Acme.Greeter"), "build", "-c", "Release", "-nologo", "-v", "q");
        await Cli.DotnetAsync(Path.Combine(folder, "acme-red"), "build", "-c", "Release", "-nologo", "-v", "q");

        var plugin = Path.Combine(folder, "Acme.Greeter", "bin", "Release", "Acme.Greeter.1.0.0.mallplugin");
        var theme = Path.Combine(folder, "acme-red", "bin", "Release", "acme-red.1.0.0.malltheme");
        Assert.True(File.Exists(plugin), "the plugin build made no .mallplugin");
        Assert.True(File.Exists(theme), "the theme build made no .malltheme");
        using (var zip = ZipFile.OpenRead(plugin))
        {
            // The SDK's contracts are the host's: a copy in the package would be types the host does not know.
            Assert.Contains(zip.Entries, e => e.FullName == "Acme.Greeter.dll");
            Assert.DoesNotContain(zip.Entries, e => e.Name.StartsWith("Mall.", StringComparison.Ordinal) || e.Name.StartsWith("Microsoft.", StringComparison.Ordinal));
        }

        var shop = Path.Combine(folder, "Shop");
        var password = Regex.Match(await File.ReadAllTextAsync(Path.Combine(shop, "appsettings.Development.json")), "\"InitialPassword\": \"([0-9A-Fa-f]{32})\"").Groups[1].Value;
        Assert.Equal(32, password.Length); // generated per project by the template
        // As the README says: dotnet run, whose launch profile (from the template) makes it Development.
        await using var app = await RunningApp.StartAsync(shop, ["run", "--no-build", "-c", "Release"], new Dictionary<string, string>());
        var http = app.Http;

        // The demo catalog the template asked for.
        var catalog = await http.GetFromJsonAsync<JsonElement>("/api/v1/catalog/products?pageSize=5");
        Assert.True(catalog.GetProperty("total").GetInt32() >= 40, app.Log);

        var login = await http.PostAsJsonAsync("/api/admin/auth/login", new { userName = "admin", password });
        Assert.True(login.IsSuccessStatusCode, $"{login.StatusCode}: {await login.Content.ReadAsStringAsync()}\n{app.Log}");
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        await Upload(http, "/api/admin/plugins", plugin, app);
        var install = await http.PostAsync("/api/admin/plugins/Acme.Greeter/install?enable=true", null);
        Assert.True(install.IsSuccessStatusCode, $"{install.StatusCode}: {await install.Content.ReadAsStringAsync()}\n{app.Log}");
        Assert.Equal("enabled", (await install.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());
        var hello = await http.GetFromJsonAsync<JsonElement>("/api/plugins/acme.greeter/hello");
        Assert.Equal("Hello from Acme.Greeter", hello.GetProperty("message").GetString());
        // Its migration made its table; uninstalling with dropData runs its uninstall hook, which drops it.
        var plugins = await http.GetFromJsonAsync<JsonElement>("/api/admin/plugins/Acme.Greeter");
        Assert.Equal("1.0.0", plugins.GetProperty("installedVersion").GetString());

        await Upload(http, "/api/admin/themes", theme, app);
        var activate = await http.PostAsync("/api/admin/themes/acme-red/activate", null);
        Assert.True(activate.IsSuccessStatusCode, $"{activate.StatusCode}: {await activate.Content.ReadAsStringAsync()}\n{app.Log}");
        http.DefaultRequestHeaders.Authorization = null;
        var home = await http.GetStringAsync("/");
        Assert.Contains("hero--acme-red", home, StringComparison.Ordinal);        // the theme's own section
        Assert.Contains("满99包邮", home, StringComparison.Ordinal);              // its zh-CN texts
        Assert.Contains("/themes/acme-red/1.0.0/", home, StringComparison.Ordinal); // its assets, versioned
        Assert.Contains("data-product-id=", home, StringComparison.Ordinal);     // the default theme's product cards, inherited
        var english = await http.GetStringAsync("/?lang=en");
        Assert.Contains("Free delivery over ¥99", english, StringComparison.Ordinal);

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync("/api/admin/plugins/Acme.Greeter?dropData=true")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/plugins/acme.greeter/hello")).StatusCode);
    }

    [Fact]
    public async Task An_app_that_only_adds_the_Mall_package_and_calls_AddMall_and_MapMall_serves_the_catalog()
    {
        var folder = feed.NewStrangerFolder("add-package");
        await Cli.DotnetAsync(folder, "new", "web", "-n", "App", "-o", "App");
        var app = Path.Combine(folder, "App");
        await Cli.DotnetAsync(app, "add", "package", "Mall", "--version", feed.Version);
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), """
            var builder = WebApplication.CreateBuilder(args);
            builder.AddMall();
            var app = builder.Build();
            app.MapMall();
            app.Run();
            """);
        await Cli.DotnetAsync(app, "build", "-c", "Release", "-nologo", "-v", "q");

        await using var running = await RunningApp.StartAsync(app, [Path.Combine(app, "bin", "Release", "net10.0", "App.dll")],
            new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production", ["Mall__DemoCatalog"] = "true" });
        // SQLite by default, in the app's own App_Data: nothing configured.
        Assert.True(File.Exists(Path.Combine(app, "App_Data", "mall.db")), running.Log);
        var products = await running.Http.GetFromJsonAsync<JsonElement>("/api/v1/catalog/products?pageSize=3");
        Assert.Equal(3, products.GetProperty("items").GetArrayLength());
        var id = products.GetProperty("items")[0].GetProperty("id").GetInt64();
        var product = await running.Http.GetFromJsonAsync<JsonElement>($"/api/v1/catalog/products/{id}");
        Assert.NotEmpty(product.GetProperty("skus").EnumerateArray());
        var categories = await running.Http.GetFromJsonAsync<JsonElement>("/api/v1/catalog/categories");
        Assert.NotEmpty(categories.EnumerateArray());
        // Not mapped: the storefront is MapMallStorefront's, and this app did not call it.
        Assert.Equal(HttpStatusCode.NotFound, (await running.Http.GetAsync("/")).StatusCode);
    }

    [Theory]
    [InlineData("mall-plugin", "9Lives", "is not a valid Mall plugin id")]   // dotnet new makes it _9Lives: still no id
    [InlineData("mall-theme", "AcmeRed", "is not a valid Mall theme name")]   // theme names are lowercase
    public async Task A_plugin_or_theme_made_with_a_name_Mall_cannot_install_fails_its_build_saying_what_to_fix(string template, string name, string message)
    {
        var folder = feed.NewStrangerFolder($"bad-{template}");
        var hive = Path.Combine(folder, ".templates");
        await Cli.DotnetAsync(folder, "new", "install", Path.Combine(feed.Folder, $"Mall.Templates.{feed.Version}.nupkg"), "--debug:custom-hive", hive);
        await Cli.DotnetAsync(folder, "new", template, "-n", name, "-o", "made", "--debug:custom-hive", hive);
        var (exitCode, output) = await Cli.RunAsync(Path.Combine(folder, "made"), "dotnet", ["build", "-nologo", "-v", "q"]);
        Assert.NotEqual(0, exitCode);
        Assert.Contains(message, output, StringComparison.Ordinal);
        Assert.Matches($"'_?{name}'", output);
        Assert.Contains($"-n {(template == "mall-plugin" ? "Acme.Greeter" : "acme-red")}", output, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(folder, "made"), "*.mall*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_plugin_json_that_names_another_version_than_the_project_fails_the_build_saying_so()
    {
        var folder = feed.NewStrangerFolder("plugin-version");
        var hive = Path.Combine(folder, ".templates");
        await Cli.DotnetAsync(folder, "new", "install", Path.Combine(feed.Folder, $"Mall.Templates.{feed.Version}.nupkg"), "--debug:custom-hive", hive);
        await Cli.DotnetAsync(folder, "new", "mall-plugin", "-n", "Acme.Versioned", "--debug:custom-hive", hive);
        var project = Path.Combine(folder, "Acme.Versioned");
        var manifest = Path.Combine(project, "plugin.json");
        // The template's plugin.json has no version: the package's gets the project's.
        await File.WriteAllTextAsync(manifest, (await File.ReadAllTextAsync(manifest)).Replace("{", "{ \"version\": \"2.0.0\",", StringComparison.Ordinal));
        var (exitCode, output) = await Cli.RunAsync(project, "dotnet", ["build", "-nologo", "-v", "q"]);
        Assert.NotEqual(0, exitCode);
        Assert.Contains("plugin.json says version '2.0.0' but the project's Version is '1.0.0'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Packing_a_public_API_change_that_the_PublicAPI_files_do_not_record_fails_naming_the_symbol()
    {
        // In the fixture's copy of the repository: a new public type in Mall.Core, recorded nowhere.
        var added = Path.Combine(feed.Sources, "src", "Mall.Core", "Common", "UnrecordedApi.cs");
        await File.WriteAllTextAsync(added, """
            namespace Mall.Common;

            /// <summary>Public, but in no PublicAPI file.</summary>
            public static class UnrecordedApi
            {
                /// <summary>A member nobody reviewed.</summary>
                public static int Answer() => 42;
            }
            """);
        try
        {
            var (exitCode, output) = await Cli.RunAsync(feed.Sources, "dotnet",
                ["pack", "src/Mall.Core/Mall.Core.csproj", "-c", "Release", "-o", Path.Combine(feed.Sources, "unrecorded"), "-nologo", "-v", "q", $"-p:Version={feed.Version}"]);
            Assert.NotEqual(0, exitCode);
            Assert.Contains("RS0016", output, StringComparison.Ordinal);
            Assert.Contains("Symbol 'static Mall.Common.UnrecordedApi.Answer() -> int' is not part of the declared public API", output, StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Combine(feed.Sources, "unrecorded")) && Directory.EnumerateFiles(Path.Combine(feed.Sources, "unrecorded"), "*.nupkg").Any());
        }
        finally
        {
            File.Delete(added);
        }
    }

    private static async Task Upload(HttpClient http, string path, string file, RunningApp app)
    {
        using var body = new ByteArrayContent(await File.ReadAllBytesAsync(file));
        body.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        var response = await http.PostAsync(path, body);
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {response.StatusCode}: {await response.Content.ReadAsStringAsync()}\n{app.Log}");
    }
}
