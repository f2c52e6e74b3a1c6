using System.Text.Json.Nodes;

namespace Mall.Plugins;

/// <summary>
/// A plugin's settings: the manifest's defaults overlaid with what the merchant saved. Inject it into the plugin's
/// services; it always answers the current values, so a change applies without reloading the plugin.
/// </summary>
public interface IPluginSettings
{
    /// <summary>The current settings as a JSON object (a copy).</summary>
    JsonObject Current { get; }

    /// <summary>The current settings bound to <typeparamref name="T"/> (camelCase property names).</summary>
    T Get<T>() where T : class, new();
}
