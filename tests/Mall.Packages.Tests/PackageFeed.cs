using System.Diagnostics;
using System.Globalization;

namespace Mall.Packages.Tests;

/// <summary>
/// Every package of the suite, packed once per test run from a fresh clone of this repository (with the work tree's
/// uncommitted changes copied on top) with a version of its own (<c>0.1.0-proof.…</c>), so that nothing cached from
/// an earlier run or another checkout can stand in for it. The clone has no bin or obj folders: the pack is a build
/// from scratch, as a release's would be.
/// </summary>
public sealed class PackageFeed : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "mall-packages-tests", Guid.NewGuid().ToString("N")[..8]);

    /// <summary>The folder of .nupkg files: the only Mall feed the strangers' folders know.</summary>
    public string Folder => Path.Combine(_root, "feed");

    /// <summary>The version every package has.</summary>
    public string Version { get; } = "0.1.0-proof." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);

    /// <summary>Where the repository's files were copied (to pack from, and to change for the bad-input test).</summary>
    public string Sources => Path.Combine(_root, "repository");

    /// <summary>Output of the pack, for the note on sizes and warnings.</summary>
    public string PackOutput { get; private set; } = "";

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public async Task InitializeAsync()
    {
        // A clone of the repository's HEAD (so the packages record a real commit and SourceLink has one), plus the work
        // tree's uncommitted changes on top, so that what is tested is what is on disk.
        Directory.CreateDirectory(_root);
        var (code, output) = await Cli.RunAsync(_root, "git", ["clone", "--quiet", RepositoryRoot, Sources]);
        Assert.True(code == 0, "git clone failed: " + output);
        (code, var changed) = await Cli.RunAsync(RepositoryRoot, "git", ["ls-files", "--modified", "--others", "--exclude-standard"]);
        Assert.True(code == 0, "git ls-files failed: " + changed);
        foreach (var file in Lines(changed))
        {
            var from = Path.Combine(RepositoryRoot, file);
            var to = Path.Combine(Sources, file);
            if (!File.Exists(from)) continue;
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(from, to, overwrite: true);
        }
        (code, var deleted) = await Cli.RunAsync(RepositoryRoot, "git", ["ls-files", "--deleted"]);
        Assert.True(code == 0, "git ls-files failed: " + deleted);
        foreach (var file in Lines(deleted)) File.Delete(Path.Combine(Sources, file));
        PackOutput = await Cli.DotnetAsync(Sources, "pack", "nuget/packages.slnf", "-c", "Release", "-o", Folder, "-nologo", "-v", "q", $"-p:Version={Version}");
    }

    /// <summary>
    /// Removes the temp folders and this run's packages from the NuGet cache (only this version: nothing of the
    /// user's is touched).
    /// </summary>
    public Task DisposeAsync()
    {
        TryDelete(_root);
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        if (Directory.Exists(cache))
            foreach (var package in Directory.EnumerateDirectories(cache, "mall*"))
                TryDelete(Path.Combine(package, Version.ToLowerInvariant()));
        return Task.CompletedTask;
    }

    /// <summary>A new empty folder whose nuget.config lists only the local feed (for Mall) and the public registry (for the rest).</summary>
    public string NewStrangerFolder(string name)
    {
        var folder = Path.Combine(_root, name);
        Directory.CreateDirectory(folder);
        // The feed config documented in nuget/README.md, pointed at this run's feed.
        var config = File.ReadAllText(Path.Combine(RepositoryRoot, "nuget", "local-feed.config")).Replace("MALL_FEED", Folder, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(folder, "nuget.config"), config);
        return folder;
    }

    private static IEnumerable<string> Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static void TryDelete(string path)
    {
        try { if (Directory.Exists(path)) Directory.Delete(path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "Mall.sln"))) return directory.FullName;
        throw new InvalidOperationException("Mall.sln not found above the test folder.");
    }
}

[CollectionDefinition(Name)]
public sealed class PackageFeedCollection : ICollectionFixture<PackageFeed>
{
    public const string Name = "package feed";
}
