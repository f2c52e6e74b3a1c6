using System.Net;
using Mall.Testing;

namespace Mall.Web.Tests.Plugins;

/// <summary>
/// `dotnet new mall-plugin` as an integrator uses it: Mall's packages from a feed (packed by the test), the template
/// installed from the repository, the new project built to a .mallplugin, which a running host installs and serves.
/// </summary>
public class PluginTemplateTests
{
    [Fact]
    public async Task The_template_makes_a_plugin_that_builds_packs_and_loads()
    {
        var root = PluginBuilds.RepositoryRoot;
        var work = Path.Combine(Path.GetTempPath(), "mall-template-test", Guid.NewGuid().ToString("N"));
        var feed = Path.Combine(work, "feed");
        // A version of our own, so that no package cached by an earlier run is used.
        var version = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}";
        try
        {
            Directory.CreateDirectory(feed);
            foreach (var source in Directory.EnumerateFiles(Path.Combine(root, "src"), "*.csproj", SearchOption.AllDirectories))
                await PluginBuilds.DotnetAsync(root, "pack", source, "-c", "Release", "--no-restore", "-o", feed, $"-p:Version={version}", "--nologo", "-v", "q");

            var hive = Path.Combine(work, "hive");
            await PluginBuilds.DotnetAsync(root, "new", "install", Path.Combine(root, "templates", "Mall.Templates", "mall-plugin"), "--debug:custom-hive", hive);
            var project = Path.Combine(work, "Acme.Greeter");
            await PluginBuilds.DotnetAsync(work, "new", "mall-plugin", "-n", "Acme.Greeter", "-o", project, "--MallPackageVersion", version, "--debug:custom-hive", hive);
            await File.WriteAllTextAsync(Path.Combine(project, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration><packageSources><add key="mall-test" value="{feed}" /></packageSources></configuration>
                """);
            await PluginBuilds.DotnetAsync(project, "build", "-c", "Release", "--nologo", "-v", "q");
            var package = Path.Combine(project, "bin", "Release", "Acme.Greeter.1.0.0.mallplugin");
            Assert.True(File.Exists(package), "The template's build made no .mallplugin.");
            using (var zip = System.IO.Compression.ZipFile.OpenRead(package))
            {
                var files = zip.Entries.Select(e => e.FullName).ToList();
                Assert.Contains("plugin.json", files);
                Assert.Contains("Acme.Greeter.dll", files);
                Assert.DoesNotContain(files, f => f.StartsWith("Mall.", StringComparison.Ordinal));
                // One version: the project's, written into the packaged manifest (the template's plugin.json has none).
                using var manifest = new StreamReader(zip.GetEntry("plugin.json")!.Open());
                Assert.Equal("1.0.0", System.Text.Json.JsonDocument.Parse(await manifest.ReadToEndAsync()).RootElement.GetProperty("version").GetString());
            }
            // A plugin.json that names another version than the project is a build error that says so.
            var manifestFile = Path.Combine(project, "plugin.json");
            var original = await File.ReadAllTextAsync(manifestFile);
            await File.WriteAllTextAsync(manifestFile, original.Replace("{", "{ \"version\": \"2.0.0\",", StringComparison.Ordinal));
            var (exitCode, output) = await PluginBuilds.DotnetResultAsync(project, "build", "-c", "Release", "--nologo", "-v", "q");
            Assert.NotEqual(0, exitCode);
            Assert.Contains("plugin.json says version '2.0.0' but the project's Version is '1.0.0'", output);
            await File.WriteAllTextAsync(manifestFile, original);

            await using var app = await MallApp.StartAsync(TestDatabase.Providers[0]);
            await PluginHostTests.UploadAsync(app, package);
            await PluginHostTests.PostOkAsync(app, "/api/admin/plugins/Acme.Greeter/install?enable=true");
            var hello = await PluginHostTests.GetJsonAsync(app.Anonymous, "/api/plugins/acme.greeter/hello");
            Assert.Equal("Hello from Acme.Greeter", hello.GetProperty("message").GetString());
            Assert.Equal(HttpStatusCode.NoContent, (await app.Admin.DeleteAsync("/api/admin/plugins/Acme.Greeter?dropData=true")).StatusCode);
        }
        finally
        {
            TryDelete(work);
            var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            foreach (var id in new[] { "mall.core", "mall.web", "mall.data.sqlite", "mall.data.mysql", "mall.data.postgresql" })
                TryDelete(Path.Combine(packages, id, version));
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
