using System.IO.Compression;
using System.Text;
using System.Xml.Linq;

namespace Mall.Packages.Tests;

/// <summary>What every package of the suite carries (nuget/README.md), read from the packed files.</summary>
[Collection(PackageFeedCollection.Name)]
public sealed class PackageContentsTests(PackageFeed feed)
{
    private static readonly string[] Libraries = ["Mall.Core", "Mall.Web", "Mall.Plugins.Sdk", "Mall.Data.Sqlite", "Mall.Data.MySql", "Mall.Data.PostgreSql", "Mall.Redis", "Mall.Client", "Mall.Admin"];

    [Fact]
    public void Every_package_has_its_readme_icon_license_description_and_repository_at_one_version()
    {
        var packages = Directory.GetFiles(feed.Folder, "*.nupkg");
        string[] expected = [.. Libraries, "Mall", "Mall.Templates"];
        Assert.Equal(expected.Order(StringComparer.Ordinal), packages.Select(p => Path.GetFileName(p)[..^$".{feed.Version}.nupkg".Length]).Order(StringComparer.Ordinal));
        foreach (var package in packages)
        {
            using var zip = ZipFile.OpenRead(package);
            var nuspec = XDocument.Load(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
            string Meta(string name) => nuspec.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value ?? "";
            var id = Meta("id");
            Assert.Equal(feed.Version, Meta("version"));
            Assert.True(Meta("description").Length > 40, $"{id}: a description that says what it is");
            Assert.Equal("MIT", Meta("license"));
            Assert.Equal("icon.png", Meta("icon"));
            Assert.Equal("README.md", Meta("readme"));
            Assert.Contains(zip.Entries, e => e.FullName == "icon.png");
            Assert.Contains(zip.Entries, e => e.FullName == "LICENSE");
            using (var readme = new StreamReader(zip.GetEntry("README.md")!.Open()))
                Assert.StartsWith($"# {id}\n", readme.ReadToEnd().Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
            var repository = nuspec.Descendants().Single(e => e.Name.LocalName == "repository");
            Assert.Equal("https://github.com/mall-dotnet/mall", repository.Attribute("url")?.Value);
            Assert.Matches("^[0-9a-f]{40}$", repository.Attribute("commit")?.Value ?? "");
            if (Libraries.Contains(id))
            {
                Assert.Contains(zip.Entries, e => e.FullName == $"lib/net10.0/{id}.dll");
                Assert.Contains(zip.Entries, e => e.FullName == $"lib/net10.0/{id}.xml");   // XML docs
            }
            // Dependencies between Mall packages are at exactly this version.
            foreach (var dependency in nuspec.Descendants().Where(e => e.Name.LocalName == "dependency" && (e.Attribute("id")?.Value ?? "").StartsWith("Mall", StringComparison.Ordinal)))
                Assert.Equal(feed.Version, dependency.Attribute("version")?.Value);
        }
    }

    [Fact]
    public void The_console_package_carries_the_built_console()
    {
        using var zip = ZipFile.OpenRead(Path.Combine(feed.Folder, $"Mall.Admin.{feed.Version}.nupkg"));
        using var dll = new MemoryStream();
        zip.GetEntry("lib/net10.0/Mall.Admin.dll")!.Open().CopyTo(dll);
        // The Vite build is embedded (MallAdmin/<path>): index.html and hashed JavaScript assets.
        var text = Encoding.UTF8.GetString(dll.ToArray());
        Assert.Contains("MallAdmin/index.html", text);
        Assert.Matches("MallAdmin/assets/index-[A-Za-z0-9_-]+\\.js", text);
    }

    [Fact]
    public void Every_library_has_a_symbol_package_whose_pdb_links_its_sources_on_the_repository()
    {
        foreach (var id in Libraries)
        {
            var symbols = Path.Combine(feed.Folder, $"{id}.{feed.Version}.snupkg");
            Assert.True(File.Exists(symbols), $"{id} has no .snupkg");
            using var zip = ZipFile.OpenRead(symbols);
            using var pdb = new MemoryStream();
            zip.GetEntry($"lib/net10.0/{id}.pdb")!.Open().CopyTo(pdb);
            // The SourceLink JSON in the portable PDB: every document maps to raw.githubusercontent.com at a commit.
            var text = Encoding.UTF8.GetString(pdb.ToArray());
            Assert.Matches("\\{\"documents\":\\{\"[^\"]+\\*\":\"https://raw\\.githubusercontent\\.com/mall-dotnet/mall/[0-9a-f]{40}/\\*\"\\}\\}", text);
        }
    }
}
