using System.Text.Json.Nodes;
using Mall.Common;

namespace Mall.Plugins;

/// <summary>
/// Checks a plugin's settings before they are saved, beyond what the manifest's defaults say (names and JSON kinds):
/// keys that must parse, URLs, lengths. Register it in <see cref="MallPlugin.ConfigureServices"/>; it runs while the
/// plugin is loaded (enabled), so that a merchant learns of a bad value when saving it, not on the first payment.
/// </summary>
public interface IPluginSettingsValidator
{
    /// <summary>
    /// Adds an error to <paramref name="errors"/> for each setting that is not acceptable, named as in the manifest.
    /// </summary>
    /// <param name="settings">The settings as they would be saved: the manifest's defaults, the saved values and the change.</param>
    /// <param name="errors">Where to add errors; nothing is saved when any is added.</param>
    void Validate(JsonObject settings, ValidationErrors errors);
}
