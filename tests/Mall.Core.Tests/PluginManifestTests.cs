using System.Text;
using System.Text.Json;
using Mall.Common;
using Mall.Plugins;

namespace Mall.Core.Tests;

/// <summary>plugin.json is validated before anything is loaded; the schema shipped for editors says the same.</summary>
public class PluginManifestTests
{
    private const string Valid = """
        { "id": "Acme.GroupBuy", "name": "Group buy", "version": "1.2.0", "entryAssembly": "Acme.GroupBuy.dll",
          "mallVersion": "[0.1.0, 1.0.0)", "dependencies": { "Acme.Payments": "[1.0.0, 2.0.0)" }, "requiresRestart": false,
          "description": "d", "author": "a", "license": "MIT", "settings": { "teamSize": 3, "title": "拼团" } }
        """;

    [Fact]
    public void A_valid_manifest_is_read_with_every_field()
    {
        var manifest = PluginManifestReader.Parse(Encoding.UTF8.GetBytes(Valid));
        Assert.Equal("Acme.GroupBuy", manifest.Id);
        Assert.Equal("1.2.0", manifest.Version);
        Assert.Equal("Acme.GroupBuy.dll", manifest.EntryAssembly);
        Assert.Equal("[1.0.0, 2.0.0)", manifest.Dependencies["Acme.Payments"]);
        Assert.Equal(3, manifest.Settings["teamSize"]!.GetValue<int>());
        Assert.Equal("拼团", manifest.Settings["title"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""{ "name": "x", "version": "1.0.0", "entryAssembly": "x.dll", "mallVersion": "0.1.0" }""", "id")]
    [InlineData("""{ "id": "1bad", "name": "x", "version": "1.0.0", "entryAssembly": "x.dll", "mallVersion": "0.1.0" }""", "id")]
    [InlineData("""{ "id": "a/b", "name": "x", "version": "1.0.0", "entryAssembly": "x.dll", "mallVersion": "0.1.0" }""", "id")]
    [InlineData("""{ "id": "Ok.Id", "name": "x", "version": "1.0", "entryAssembly": "x.dll", "mallVersion": "0.1.0" }""", "version")]
    [InlineData("""{ "id": "Ok.Id", "name": "x", "version": "1.0.0", "entryAssembly": "../x.dll", "mallVersion": "0.1.0" }""", "entryAssembly")]
    [InlineData("""{ "id": "Ok.Id", "name": "x", "version": "1.0.0", "entryAssembly": "x.exe", "mallVersion": "0.1.0" }""", "entryAssembly")]
    [InlineData("""{ "id": "Ok.Id", "name": "x", "version": "1.0.0", "entryAssembly": "x.dll", "mallVersion": "[1.0" }""", "mallVersion")]
    [InlineData("""{ "id": "Ok.Id", "name": "x", "version": "1.0.0", "entryAssembly": "x.dll", "mallVersion": "0.1.0", "dependencies": { "Other": "not a range" } }""", "dependencies.Other")]
    [InlineData("""{ "id": "Ok.Id", "name": "x", "version": "1.0.0", "entryAssembly": "x.dll", "mallVersion": "0.1.0", "dependencies": { "Ok.Id": "1.0.0" } }""", "dependencies.Ok.Id")]
    [InlineData("""{ "id": "Ok.Id", "name": "x", "version": "1.0.0", "entryAssembly": "x.dll", "mallVersion": "0.1.0", "requiresRestart": "yes" }""", "requiresRestart")]
    [InlineData("""{ "id": "Ok.Id", "name": "x", "version": "1.0.0", "entryAssembly": "x.dll", "mallVersion": "0.1.0", "settings": [1] }""", "settings")]
    [InlineData("""{ "id": "Ok.Id", "name": "x", "version": "1.0.0", "entryAssembly": "x.dll", "mallVersion": "0.1.0", "extra": 1 }""", "extra")]
    [InlineData("""{ "id": "Ok.Id", "name": 5, "version": "1.0.0", "entryAssembly": "x.dll", "mallVersion": "0.1.0" }""", "name")]
    [InlineData("""[1, 2]""", "plugin.json")]
    [InlineData("""{ "id": """, "plugin.json")]
    public void A_bad_manifest_is_rejected_naming_the_field(string json, string field)
    {
        var error = Assert.Throws<MallValidationException>(() => PluginManifestReader.Parse(Encoding.UTF8.GetBytes(json)));
        Assert.Contains(field, error.Errors.Keys);
    }

    [Fact]
    public void Compatibility_checks_the_mall_version_and_each_dependency()
    {
        var manifest = PluginManifestReader.Parse(Encoding.UTF8.GetBytes(Valid));
        Assert.Empty(PluginManifestReader.CheckCompatibility(manifest, new Dictionary<string, string> { ["Acme.Payments"] = "1.4.0" }));
        Assert.Contains("not installed", Assert.Single(PluginManifestReader.CheckCompatibility(manifest, new Dictionary<string, string>())));
        Assert.Contains("2.0.0 is installed", Assert.Single(PluginManifestReader.CheckCompatibility(manifest, new Dictionary<string, string> { ["Acme.Payments"] = "2.0.0" })));
        var future = manifest with { MallVersion = "[99.0.0, )" };
        Assert.Contains("needs Mall", PluginManifestReader.CheckCompatibility(future, new Dictionary<string, string> { ["Acme.Payments"] = "1.0.0" })[0]);
    }

    [Fact]
    public void The_published_schema_names_exactly_the_properties_the_reader_knows_and_the_sample_manifest_is_valid()
    {
        var root = FindRepositoryRoot();
        using var schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "docs", "plugin.schema.json")));
        var schemaProperties = schema.RootElement.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order().ToList();
        var required = schema.RootElement.GetProperty("required").EnumerateArray().Select(r => r.GetString()!).Order().ToList();

        // Every schema property is accepted by the reader, and nothing else is.
        var all = string.Join(", ", schemaProperties.Select(p => $"\"{p}\": {SampleValue(p)}"));
        PluginManifestReader.Parse(Encoding.UTF8.GetBytes("{" + all + "}"));
        var error = Assert.Throws<MallValidationException>(() => PluginManifestReader.Parse(Encoding.UTF8.GetBytes("{" + all + ", \"unknown\": 1}")));
        Assert.Equal(["unknown"], error.Errors.Keys);
        // Every required property is required by the reader.
        foreach (var property in required)
        {
            var without = string.Join(", ", schemaProperties.Where(p => p != property).Select(p => $"\"{p}\": {SampleValue(p)}"));
            Assert.Contains(property, Assert.Throws<MallValidationException>(() => PluginManifestReader.Parse(Encoding.UTF8.GetBytes("{" + without + "}"))).Errors.Keys);
        }
        // The project's plugin.json leaves the version to the build (the project's <Version>); a packaged manifest has one.
        Assert.DoesNotContain("version", required);
        var unversioned = string.Join(", ", schemaProperties.Where(p => p != "version").Select(p => $"\"{p}\": {SampleValue(p)}"));
        Assert.Contains("version", Assert.Throws<MallValidationException>(() => PluginManifestReader.Parse(Encoding.UTF8.GetBytes("{" + unversioned + "}"))).Errors.Keys);
        var sample = Path.Combine(root, "samples", "Mall.Sample.HelloPlugin");
        var projectVersion = System.Text.RegularExpressions.Regex.Match(File.ReadAllText(Path.Combine(sample, "Mall.Sample.HelloPlugin.csproj")), "<Version>([^<]+)</Version>").Groups[1].Value;
        var packaged = PluginManifestReader.Parse(Encoding.UTF8.GetBytes(System.Text.RegularExpressions.Regex.Replace(
            File.ReadAllText(Path.Combine(sample, "plugin.json")), "^\\s*\\{", $"{{ \"version\": \"{projectVersion}\",")));
        Assert.Equal(projectVersion, packaged.Version);
    }

    private static string SampleValue(string property) => property switch
    {
        "id" => "\"Sample.Plugin\"",
        "version" => "\"1.0.0\"",
        "entryAssembly" => "\"Sample.Plugin.dll\"",
        "mallVersion" => "\"[0.1.0, 1.0.0)\"",
        "dependencies" => "{ \"Other.Plugin\": \"1.0.0\" }",
        "requiresRestart" => "false",
        "settings" => "{ \"a\": 1 }",
        _ => "\"text\"",
    };

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "Mall.sln"))) return directory.FullName;
        throw new InvalidOperationException("Mall.sln not found.");
    }
}
