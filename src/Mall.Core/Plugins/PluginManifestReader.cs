using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Mall.Common;
using NuGet.Versioning;

namespace Mall.Plugins;

/// <summary>Reads and validates <c>plugin.json</c>; checks a manifest against this Mall and the installed plugins.</summary>
public static partial class PluginManifestReader
{
    private static readonly HashSet<string> KnownProperties = new(StringComparer.Ordinal)
    {
        "$schema", "id", "name", "version", "entryAssembly", "mallVersion", "dependencies", "requiresRestart",
        "description", "author", "license", "settings", "admin",
    };

    /// <summary>The version of Mall running here (the <c>Mall.Core</c> package version).</summary>
    public static NuGetVersion MallVersion { get; } = NuGetVersion.Parse(
        typeof(PluginManifestReader).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(PluginManifestReader).Assembly.GetName().Version!.ToString(3));

    /// <summary>Parses and validates a manifest.</summary>
    /// <exception cref="MallValidationException">The JSON is malformed or breaks the schema; the errors name each property.</exception>
    public static PluginManifest Parse(ReadOnlySpan<byte> utf8Json)
    {
        JsonNode? node;
        try
        {
            node = StrictJson.Parse(utf8Json, relaxed: true);
        }
        catch (JsonException ex)
        {
            throw new MallValidationException(new Dictionary<string, string[]> { [PluginManifest.FileName] = [$"is not valid JSON: {ex.Message}"] });
        }
        var errors = new ValidationErrors();
        if (node is not JsonObject json)
        {
            errors.Add(PluginManifest.FileName, "must be a JSON object.");
            errors.ThrowIfAny();
            throw new InvalidOperationException();
        }
        foreach (var property in json.Where(p => !KnownProperties.Contains(p.Key)))
            errors.Add(property.Key, "is not a manifest property.");

        var id = String(json, "id", errors, required: true, max: 64);
        if (id is not null && !IdPattern().IsMatch(id))
            errors.Add("id", "must start with a letter and hold only letters, digits, '.', '-' or '_' (2–64 characters).");
        var name = String(json, "name", errors, required: true, max: 100);
        var version = String(json, "version", errors, required: true, max: 64);
        if (version is not null && !SemanticVersion.TryParse(version, out _))
            errors.Add("version", $"'{version}' is not a SemVer 2.0 version such as 1.0.0.");
        var entry = String(json, "entryAssembly", errors, required: true, max: 200);
        if (entry is not null && (!entry.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) || entry.IndexOfAny(['/', '\\']) >= 0 || entry.StartsWith('.')))
            errors.Add("entryAssembly", "must be a .dll file name in the package root, without a folder.");
        var mallVersion = String(json, "mallVersion", errors, required: true, max: 100);
        if (mallVersion is not null && !VersionRange.TryParse(mallVersion, out _))
            errors.Add("mallVersion", $"'{mallVersion}' is not a version range such as [0.1.0, 1.0.0) or 0.1.0.");

        var dependencies = new Dictionary<string, string>(StringComparer.Ordinal);
        if (json["dependencies"] is { } dependencyNode)
        {
            if (dependencyNode is not JsonObject dependencyObject) errors.Add("dependencies", "must be an object of plugin id → version range.");
            else
                foreach (var (dependencyId, range) in dependencyObject)
                {
                    if (range is not JsonValue value || !value.TryGetValue<string>(out var text) || !VersionRange.TryParse(text, out _))
                        errors.Add($"dependencies.{dependencyId}", "must be a version range such as [1.0.0, 2.0.0).");
                    else if (!IdPattern().IsMatch(dependencyId)) errors.Add($"dependencies.{dependencyId}", "is not a plugin id.");
                    else if (dependencyId == id) errors.Add($"dependencies.{dependencyId}", "a plugin cannot depend on itself.");
                    else dependencies[dependencyId] = text;
                }
        }
        var requiresRestart = false;
        if (json["requiresRestart"] is { } restartNode)
        {
            if (restartNode.GetValueKind() is JsonValueKind.True or JsonValueKind.False) requiresRestart = restartNode.GetValue<bool>();
            else errors.Add("requiresRestart", "must be true or false.");
        }
        var description = String(json, "description", errors, required: false, max: 2000);
        var author = String(json, "author", errors, required: false, max: 200);
        var license = String(json, "license", errors, required: false, max: 100);
        var settings = new JsonObject();
        if (json["settings"] is { } settingsNode)
        {
            if (settingsNode is JsonObject settingsObject) settings = (JsonObject)settingsObject.DeepClone();
            else errors.Add("settings", "must be an object of setting name → default value.");
        }
        var screens = ConsoleScreenReader.Read(json["admin"], id ?? "", errors);
        errors.ThrowIfAny();
        return new PluginManifest(id!, name!, version!, entry!, mallVersion!, dependencies, requiresRestart, description, author, license, settings) { ConsoleScreens = screens };
    }

    /// <summary>
    /// Checks that <paramref name="manifest"/> runs on this Mall and that every dependency is among
    /// <paramref name="enabledPlugins"/> (id → version) within its range. Returns the problems, empty when none.
    /// </summary>
    public static IReadOnlyList<string> CheckCompatibility(PluginManifest manifest, IReadOnlyDictionary<string, string> enabledPlugins)
    {
        var problems = new List<string>();
        var range = VersionRange.Parse(manifest.MallVersion);
        if (!range.Satisfies(MallVersion))
            problems.Add($"Plugin {manifest.Id} {manifest.Version} needs Mall {range.PrettyPrint()}; this is Mall {MallVersion}.");
        foreach (var (dependency, dependencyRange) in manifest.Dependencies)
        {
            var wanted = VersionRange.Parse(dependencyRange);
            if (!enabledPlugins.TryGetValue(dependency, out var present))
                problems.Add($"Plugin {manifest.Id} needs plugin {dependency} {wanted.PrettyPrint()}, which is not installed and enabled.");
            else if (!wanted.Satisfies(NuGetVersion.Parse(present)))
                problems.Add($"Plugin {manifest.Id} needs plugin {dependency} {wanted.PrettyPrint()}; {present} is installed.");
        }
        return problems;
    }

    /// <summary>Compares two SemVer versions (negative when <paramref name="a"/> is older).</summary>
    public static int CompareVersions(string a, string b) => NuGetVersion.Parse(a).CompareTo(NuGetVersion.Parse(b));

    private static string? String(JsonObject json, string property, ValidationErrors errors, bool required, int max)
    {
        var node = json[property];
        if (node is null)
        {
            if (required) errors.Add(property, "is required.");
            return null;
        }
        if (node.GetValueKind() != JsonValueKind.String)
        {
            errors.Add(property, "must be a string.");
            return null;
        }
        var text = node.GetValue<string>().Trim();
        if (required && text.Length == 0) errors.Add(property, "must not be empty.");
        else if (text.Length > max) errors.Add(property, $"must be at most {max} characters.");
        return text;
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9._-]{1,63}$")]
    private static partial Regex IdPattern();
}
