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

    [Fact]
    public void Console_screens_are_read_with_their_plugin_id_and_checked_field_by_field()
    {
        var manifest = PluginManifestReader.Parse(Encoding.UTF8.GetBytes("""
            { "id": "Acme.Sales", "name": "Sales", "version": "1.0.0", "entryAssembly": "Acme.Sales.dll", "mallVersion": "[0.1.0, 1.0.0)",
              "admin": { "screens": [ {
                "id": "campaigns", "title": { "en": "Campaigns", "zh-CN": "活动" }, "role": "catalog",
                "list": { "path": "/api/plugins/acme/admin/campaigns", "itemsField": "items", "columns": [ { "field": "name", "title": "Name" }, { "field": "price", "title": "Price", "type": "money" } ] },
                "form": { "path": "/api/plugins/acme/admin/campaigns", "fields": [ { "name": "name", "title": "Name", "required": true }, { "name": "skus", "title": "SKUs", "type": "json", "default": [1, 2] } ] },
                "actions": [ { "id": "end", "title": "End", "path": "/api/plugins/acme/admin/campaigns/{id}/end", "confirm": true } ],
                "summary": { "path": "/api/plugins/acme/admin/status", "fields": [ { "field": "running", "title": "Running", "type": "boolean" } ] },
                "toolbar": [ { "id": "pause", "title": { "en": "Pause", "zh-CN": "暂停" }, "path": "/api/plugins/acme/admin/pause" } ] } ] } }
            """));
        var screen = Assert.Single(manifest.ConsoleScreens);
        Assert.Equal(("Acme.Sales", "campaigns", "catalog"), (screen.PluginId, screen.Id, screen.Role));
        Assert.Equal("活动", screen.Title["zh-CN"]);
        Assert.Equal("Name", screen.List.Columns[0].Title["en"]);
        Assert.Equal([ConsoleValueTypes.Text, ConsoleValueTypes.Money], screen.List.Columns.Select(c => c.Type));
        Assert.Equal("items", screen.List.ItemsField);
        Assert.True(screen.Form!.Fields[0].Required);
        Assert.Equal("[1,2]", screen.Form.Fields[1].Default!.ToJsonString());
        var action = Assert.Single(screen.Actions);
        Assert.Equal(("POST", true), (action.Method, action.Confirm));
        Assert.Equal("/api/plugins/acme/admin/status", screen.Summary!.Path);
        Assert.Equal(ConsoleValueTypes.Boolean, Assert.Single(screen.Summary.Fields).Type);
        Assert.Equal(("pause", "暂停", "POST"), (screen.Toolbar[0].Id, screen.Toolbar[0].Title["zh-CN"], screen.Toolbar[0].Method));

        // A screen may only reach the plugin API, with known roles and types; each error names its JSON path.
        var error = Assert.Throws<MallValidationException>(() => PluginManifestReader.Parse(Encoding.UTF8.GetBytes("""
            { "id": "Acme.Sales", "name": "Sales", "version": "1.0.0", "entryAssembly": "Acme.Sales.dll", "mallVersion": "[0.1.0, 1.0.0)",
              "admin": { "screens": [
                { "id": "Bad Id", "title": "X", "role": "janitor", "list": { "path": "/api/admin/orders", "columns": [ { "field": "a", "title": "A", "type": "color" } ] },
                  "actions": [ { "id": "x", "title": "X", "method": "TRACE", "path": "/api/plugins/acme/../admin/keys" } ] },
                { "id": "ok", "title": "Y", "list": { "path": "/api/plugins/acme/list", "columns": [] }, "extra": 1,
                  "summary": { "path": "/api/admin/reports/dashboard", "fields": [] }, "toolbar": [ { "id": "end", "title": "End", "path": "/api/plugins/acme/things/{id}/end" } ] } ] } }
            """)));
        Assert.Equal(["admin.screens[0].actions[0].method", "admin.screens[0].actions[0].path", "admin.screens[0].id", "admin.screens[0].list.columns[0].type",
            "admin.screens[0].list.path", "admin.screens[0].role", "admin.screens[1].extra", "admin.screens[1].list.columns",
            "admin.screens[1].summary.fields", "admin.screens[1].summary.path", "admin.screens[1].toolbar[0].path"], error.Errors.Keys.Order());
        Assert.Empty(PluginManifestReader.Parse(Encoding.UTF8.GetBytes("""{ "id": "Acme.Sales", "name": "S", "version": "1.0.0", "entryAssembly": "A.dll", "mallVersion": "0.1.0" }""")).ConsoleScreens);
    }

    [Theory]
    [InlineData("Mall.Plugins.FlashSale")]
    [InlineData("Mall.Plugins.GroupBuy")]
    [InlineData("Mall.Plugins.Bargain")]
    public void First_party_activity_plugins_declare_their_console_screens(string plugin)
    {
        var text = File.ReadAllText(Path.Combine(FindRepositoryRoot(), "plugins", plugin, "plugin.json"));
        var manifest = PluginManifestReader.Parse(Encoding.UTF8.GetBytes(System.Text.RegularExpressions.Regex.Replace(text, "^\\s*\\{", "{ \"version\": \"1.0.0\",")));
        var screen = Assert.Single(manifest.ConsoleScreens);
        Assert.Equal(plugin, screen.PluginId);
        Assert.NotNull(screen.Form);
        Assert.All(screen.Title.Keys, k => Assert.Contains(k, new[] { "en", "zh-CN" }));
    }

    [Fact]
    public void The_erp_sync_plugin_declares_its_status_and_delivery_log_screen_for_the_orders_role()
    {
        var text = File.ReadAllText(Path.Combine(FindRepositoryRoot(), "plugins", "Mall.Plugins.ErpSync", "plugin.json"));
        var manifest = PluginManifestReader.Parse(Encoding.UTF8.GetBytes(System.Text.RegularExpressions.Regex.Replace(text, "^\\s*\\{", "{ \"version\": \"1.0.0\",")));
        var screen = Assert.Single(manifest.ConsoleScreens);
        Assert.Equal("orders", screen.Role);
        Assert.Equal("/api/plugins/erpsync/admin/pushes", screen.List.Path);
        Assert.Null(screen.Form);
        // Its status above the log, and the operator's buttons beside the title.
        Assert.Equal("/api/plugins/erpsync/admin/status", screen.Summary!.Path);
        Assert.Contains(screen.Summary.Fields, f => f.Field == "backlog" && f.Type == ConsoleValueTypes.Number);
        Assert.Equal(["pull", "retry", "pause", "resume"], screen.Toolbar.Select(a => a.Id));
        Assert.True(screen.Toolbar.Single(a => a.Id == "pause").Confirm);
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
        "admin" => "{ \"screens\": [] }",
        _ => "\"text\"",
    };

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "Mall.sln"))) return directory.FullName;
        throw new InvalidOperationException("Mall.sln not found.");
    }
}
