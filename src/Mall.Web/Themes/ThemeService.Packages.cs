using Dapper;
using Mall.Common;
using Mall.Themes;
using Microsoft.Extensions.Logging;

namespace Mall.Web.Themes;

/// <summary>Theme files: the built-in theme, installed packages on disk, and theme names.</summary>
internal sealed partial class ThemeService
{
    // Content hash of each package file this node has, to notice one replaced on another node.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _localPackages = new(StringComparer.Ordinal);

    /// <summary>Keeps an installed package in the database (replacing the theme's earlier one) for the other nodes.</summary>
    private async Task KeepPackageAsync(string name, string version, byte[] package, CancellationToken cancellationToken)
    {
        var sha256 = Sha256(package);
        await database.InTransactionAsync(async tx =>
        {
            var values = new { name, version, content = package, sha256, now = clock.GetUtcNow().UtcDateTime };
            await tx.Connection!.ExecuteAsync(new CommandDefinition("DELETE FROM mall_theme_package WHERE name = @name", values, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return await tx.Connection!.ExecuteAsync(new CommandDefinition(
                "INSERT INTO mall_theme_package (name, version, content, sha256, uploaded_at) VALUES (@name, @version, @content, @sha256, @now)",
                values, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        _localPackages[name] = sha256;
    }

    /// <summary>Writes every package the database has in another version than this node's file, and forgets its compiled form.</summary>
    private async Task FetchPackagesAsync(System.Data.Common.DbConnection connection, CancellationToken cancellationToken)
    {
        var kept = await connection.QueryAsync<(string Name, string Sha256)>(new CommandDefinition(
            "SELECT name, sha256 FROM mall_theme_package", cancellationToken: cancellationToken)).ConfigureAwait(false);
        foreach (var (name, sha256) in kept)
        {
            if (!NamePattern().IsMatch(name) || LocalSha256(name) == sha256) continue;
            var content = await connection.QuerySingleOrDefaultAsync<byte[]?>(new CommandDefinition(
                "SELECT content FROM mall_theme_package WHERE name = @name", new { name }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (content is null) continue;
            Directory.CreateDirectory(StorePath);
            var file = PackagePath(name);
            var temporary = file + "." + Guid.NewGuid().ToString("N") + ".tmp";
            await File.WriteAllBytesAsync(temporary, content, cancellationToken).ConfigureAwait(false);
            File.Move(temporary, file, overwrite: true);
            _localPackages[name] = Sha256(content);
            Evict(name);
            logger.LogInformation("Theme package {Theme} fetched from the database.", name);
        }
    }

    private string? LocalSha256(string name)
    {
        if (_localPackages.TryGetValue(name, out var known)) return known;
        var file = PackagePath(name);
        if (!File.Exists(file)) return null;
        return _localPackages[name] = Sha256(File.ReadAllBytes(file));
    }

    private static string Sha256(byte[] content) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content));

    private ThemePackage Load(string name, string? missing = null)
    {
        if (name == DefaultTheme) return _builtIn.Value;
        var file = PackagePath(name);
        if (!File.Exists(file)) throw new ThemeException(missing ?? $"theme '{name}' is not installed");
        using var stream = File.OpenRead(file);
        return ThemePackage.FromZip(stream);
    }

    private static ThemePackage LoadBuiltIn()
    {
        var assembly = typeof(ThemeService).Assembly;
        const string prefix = "MallTheme/default/";
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            files[resource[prefix.Length..].Replace('\\', '/')] = copy.ToArray();
        }
        return ThemePackage.FromFiles(files);
    }

    private string Known(string name)
    {
        if (name != DefaultTheme && !File.Exists(PackagePath(name))) throw new MallNotFoundException($"Theme '{name}' is not installed.");
        return name;
    }

    private string PackagePath(string name)
    {
        if (!NamePattern().IsMatch(name)) throw new MallNotFoundException($"Theme '{name}' is not installed.");
        return Path.Combine(StorePath, name + ".malltheme");
    }
}
