namespace Mall.Plugins;

/// <summary>
/// The <c>plugin.json</c> of a plugin package: who it is, which assembly to load, which Mall and which other plugins
/// it needs. Read and validated by <see cref="PluginManifestReader"/>; the JSON schema is
/// <c>docs/plugin.schema.json</c>.
/// </summary>
/// <param name="Id">Unique id, e.g. <c>Acme.GroupBuy</c>: a letter, then letters, digits, <c>.</c>, <c>-</c> or <c>_</c> (2–64).</param>
/// <param name="Name">Display name.</param>
/// <param name="Version">SemVer 2.0 version, e.g. <c>1.2.0</c>.</param>
/// <param name="EntryAssembly">File name of the assembly holding the <see cref="MallPlugin"/> class, e.g. <c>Acme.GroupBuy.dll</c>.</param>
/// <param name="MallVersion">NuGet version range of Mall this plugin runs on, e.g. <c>[0.1.0, 1.0.0)</c>.</param>
/// <param name="Dependencies">Other plugins (id → version range) that must be installed and enabled first.</param>
/// <param name="RequiresRestart">True for plugins that replace core services or middleware: their changes apply at the next start.</param>
/// <param name="Description">What it does.</param>
/// <param name="Author">Who wrote it.</param>
/// <param name="License">SPDX license expression.</param>
/// <param name="Settings">Default settings (a JSON object), overridden per mall through the admin API.</param>
public sealed record PluginManifest(
    string Id,
    string Name,
    string Version,
    string EntryAssembly,
    string MallVersion,
    IReadOnlyDictionary<string, string> Dependencies,
    bool RequiresRestart,
    string? Description,
    string? Author,
    string? License,
    System.Text.Json.Nodes.JsonObject Settings)
{
    /// <summary>Screens the plugin adds to the merchant console while it is enabled (<c>admin.screens</c>); empty when none.</summary>
    public IReadOnlyList<ConsoleScreen> ConsoleScreens { get; init; } = [];

    /// <summary>The file name of a manifest inside a package.</summary>
    public const string FileName = "plugin.json";

    /// <summary>The file extension of a plugin package (a zip file).</summary>
    public const string PackageExtension = ".mallplugin";
}
