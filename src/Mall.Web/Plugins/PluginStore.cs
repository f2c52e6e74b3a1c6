using System.IO.Compression;
using Mall.Common;
using Mall.Plugins;

namespace Mall.Web.Plugins;

/// <summary>
/// Plugin files on disk: <c>packages/{id}/{version}/</c> holds each uploaded or dropped version, unpacked;
/// <c>runtime/{id}/{version}-{n}/</c> is the copy one load runs from, so that an upgrade or a re-upload never
/// touches files a live plugin was loaded from.
/// </summary>
internal sealed class PluginStore(string root, long maxPackageBytes)
{
    private string Packages => Path.Combine(root, "packages");

    private string Runtime => Path.Combine(root, "runtime");

    /// <summary>Unpacks a <c>.mallplugin</c> (zip) into the store after checking its manifest and paths.</summary>
    /// <param name="zip">The package.</param>
    /// <param name="check">Runs on the manifest before anything is stored; throws to refuse the package.</param>
    /// <param name="cancellationToken">Cancels the upload.</param>
    public async Task<PluginManifest> StageZipAsync(Stream zip, Action<PluginManifest> check, CancellationToken cancellationToken)
    {
        var temp = Path.Combine(root, "incoming", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(temp);
        try
        {
            var file = temp + PluginManifest.PackageExtension;
            await using (var output = File.Create(file))
            {
                var buffer = new byte[81920];
                long total = 0;
                int read;
                while ((read = await zip.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    total += read;
                    if (total > maxPackageBytes) throw new MallValidationException("package", $"is larger than {maxPackageBytes} bytes.");
                    await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
            }
            try
            {
                using var archive = ZipFile.OpenRead(file);
                long unpacked = 0;
                foreach (var entry in archive.Entries)
                {
                    unpacked += entry.Length;
                    if (unpacked > maxPackageBytes * 4) throw new MallValidationException("package", "unpacks to too many bytes.");
                    var target = Path.GetFullPath(Path.Combine(temp, "files", entry.FullName));
                    if (!target.StartsWith(Path.GetFullPath(Path.Combine(temp, "files")) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                        throw new MallValidationException("package", $"entry '{entry.FullName}' points outside the package.");
                    if (entry.FullName.EndsWith('/')) continue;
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    entry.ExtractToFile(target, overwrite: true);
                }
            }
            catch (InvalidDataException ex)
            {
                throw new MallValidationException("package", $"is not a zip file: {ex.Message}");
            }
            return Stage(Path.Combine(temp, "files"), check, move: true);
        }
        finally
        {
            TryDelete(temp);
            TryDeleteFile(temp + PluginManifest.PackageExtension);
        }
    }

    /// <summary>Copies (or moves) an unpacked plugin folder into the store after checking its manifest.</summary>
    public PluginManifest Stage(string folder, Action<PluginManifest> check, bool move = false)
    {
        var manifest = ReadManifest(folder);
        check(manifest);
        if (!File.Exists(Path.Combine(folder, manifest.EntryAssembly)))
            throw new MallValidationException("entryAssembly", $"'{manifest.EntryAssembly}' is not in the package.");
        var target = PackagePath(manifest.Id, manifest.Version);
        TryDelete(target);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        if (move) Directory.Move(folder, target);
        else CopyDirectory(folder, target);
        return manifest;
    }

    public static PluginManifest ReadManifest(string folder)
    {
        var path = Path.Combine(folder, PluginManifest.FileName);
        if (!File.Exists(path)) throw new MallValidationException(PluginManifest.FileName, "is missing from the package root.");
        return PluginManifestReader.Parse(File.ReadAllBytes(path));
    }

    /// <summary>A staged version as a package file (zip), to keep in the database for the other nodes.</summary>
    public byte[] Pack(string id, string version)
    {
        using var buffer = new MemoryStream();
        ZipFile.CreateFromDirectory(PackagePath(id, version), buffer, CompressionLevel.Fastest, includeBaseDirectory: false);
        return buffer.ToArray();
    }

    /// <summary>The staged manifest of one version, or null.</summary>
    public PluginManifest? Find(string id, string version)
    {
        var folder = PackagePath(id, version);
        return Directory.Exists(folder) ? ReadManifest(folder) : null;
    }

    /// <summary>Every staged version of every plugin.</summary>
    public IReadOnlyList<PluginManifest> List()
    {
        if (!Directory.Exists(Packages)) return [];
        var manifests = new List<PluginManifest>();
        foreach (var folder in Directory.EnumerateDirectories(Packages).SelectMany(Directory.EnumerateDirectories))
        {
            try
            {
                manifests.Add(ReadManifest(folder));
            }
            catch (MallValidationException)
            {
                // A damaged folder is skipped; uploading the package again replaces it.
            }
        }
        return manifests;
    }

    /// <summary>A fresh copy of a staged version to load from.</summary>
    public string CreateRuntimeCopy(string id, string version)
    {
        var target = Path.Combine(Runtime, id, $"{version}-{Guid.NewGuid():N}");
        CopyDirectory(PackagePath(id, version), target);
        return target;
    }

    public void DeleteRuntimeCopy(string folder) => TryDelete(folder);

    /// <summary>Removes runtime copies left by a previous process (nothing is loaded from them any more).</summary>
    public void CleanRuntime() => TryDelete(Runtime);

    private string PackagePath(string id, string version) => Path.Combine(Packages, id, version);

    private static void CopyDirectory(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination, overwrite: true);
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
            // Best effort: a leftover copy is removed at the next start.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void TryDeleteFile(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (IOException)
        {
        }
    }
}
