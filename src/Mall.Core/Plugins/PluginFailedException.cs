using Mall.Common;

namespace Mall.Plugins;

/// <summary>A plugin failed to load, install, enable or upgrade; the host goes on serving without that change.</summary>
public sealed class PluginFailedException(string pluginId, string message, Exception? inner = null) : MallException(message, inner)
{
    /// <summary>The plugin that failed.</summary>
    public string PluginId { get; } = pluginId;

    /// <inheritdoc />
    public override int StatusCode => 422;

    /// <inheritdoc />
    public override string Title => "Plugin failed";
}
