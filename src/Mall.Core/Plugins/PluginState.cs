namespace Mall.Plugins;

/// <summary>Where a plugin stands in a mall.</summary>
public enum PluginState
{
    /// <summary>A package is uploaded or dropped, not installed.</summary>
    Available = 0,

    /// <summary>Installed, not serving.</summary>
    Disabled = 1,

    /// <summary>Installed and serving.</summary>
    Enabled = 2,

    /// <summary>Loading or enabling failed; see the last error. Not serving.</summary>
    Faulted = 3,

    /// <summary>Uninstalled with its data kept (tables and settings), for a later reinstall.</summary>
    Removed = 4,
}
