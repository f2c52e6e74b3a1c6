using System.Text.RegularExpressions;

namespace Mall.Core.Tests;

/// <summary>
/// Features own their tables: the tables a feature's migrations create are named in SQL only by that feature (its
/// core half in <c>src/Mall.Core/&lt;Feature&gt;</c>, its web half in <c>src/Mall.Web/&lt;Feature&gt;</c>) or plugin.
/// Every other service and every plugin goes through the owner's service. This reads the sources as they are.
/// </summary>
public partial class FeatureTablesTests
{
    // Version 4 of the core schema created the admins' table along with the customers'; admins are Security's.
    private static readonly Dictionary<string, string> Overrides = new() { ["mall_admin"] = "feature:Security" };

    [Fact]
    public void No_service_or_plugin_names_a_table_of_another_feature_in_its_SQL()
    {
        var root = RepositoryRoot();
        var sources = Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "plugins"), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj"))
            .ToList();
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in sources.Where(IsMigration))
            foreach (Match created in CreateTable().Matches(File.ReadAllText(file)))
                owners[created.Groups[1].Value] = Overrides.GetValueOrDefault(created.Groups[1].Value, OwnerOf(root, file));
        Assert.True(owners.Count >= 25, $"Found only {owners.Count} tables: the scan no longer finds the migrations.");
        Assert.Equal("feature:Catalog", owners["mall_sku"]);
        Assert.Equal("plugin:Mall.Plugins.GroupBuy", owners["groupbuy_member"]);

        var foreign = new List<string>();
        foreach (var file in sources.Where(f => !IsCoreMigration(f)))
        {
            var me = OwnerOf(root, file);
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
                foreach (Match name in TableName().Matches(lines[i]))
                    if (owners.TryGetValue(name.Value, out var owner) && owner != me)
                        foreign.Add($"{Path.GetRelativePath(root, file)}:{i + 1}: {name.Value} (owned by {owner})");
        }
        Assert.True(foreign.Count == 0, "SQL naming another feature's tables (call the owner's service instead):\n" + string.Join('\n', foreign.Distinct()));
    }

    private static bool IsCoreMigration(string file) => MigrationFile().IsMatch(file.Replace('\\', '/'));

    private static bool IsMigration(string file) =>
        IsCoreMigration(file) || file.Replace('\\', '/').Contains("/plugins/", StringComparison.Ordinal) && File.ReadAllText(file).Contains("CreateTable(\"", StringComparison.Ordinal);

    private static string OwnerOf(string root, string file)
    {
        var parts = Path.GetRelativePath(root, file).Split(Path.DirectorySeparatorChar);
        if (parts[0] == "src" && parts[1] is "Mall.Core" or "Mall.Web" && parts.Length > 3) return "feature:" + parts[2];
        if (parts[0] == "plugins") return "plugin:" + parts[1];
        return parts[0] + "/" + parts[1];
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "Mall.sln"))) return directory.FullName;
        throw new InvalidOperationException("Mall.sln not found above the test folder.");
    }

    [GeneratedRegex("CreateTable\\(\"([a-z0-9_]+)\"")]
    private static partial Regex CreateTable();

    [GeneratedRegex("\\b[a-z]+_[a-z0-9_]+\\b")]
    private static partial Regex TableName();

    [GeneratedRegex("src/Mall\\.Core/[^/]+/Data/V\\d+\\w*\\.cs$")]
    private static partial Regex MigrationFile();
}
