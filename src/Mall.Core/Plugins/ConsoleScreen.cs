using System.Text.Json.Nodes;

namespace Mall.Plugins;

/// <summary>
/// A screen a plugin adds to the merchant console, declared in its <c>plugin.json</c> under <c>admin.screens</c>: a
/// list over one of the plugin's admin endpoints, an optional form that posts to another and row actions. The console
/// renders it from this description (no code of the plugin runs in the browser) while the plugin is enabled; the
/// endpoints enforce their own authorization. Rules: docs/plugins.md, "Console screens".
/// </summary>
/// <param name="PluginId">The plugin that declares it.</param>
/// <param name="Id">Id within the plugin (lower case letters, digits and '-').</param>
/// <param name="Title">Menu and page title by locale (<c>en</c>, <c>zh-CN</c>, …).</param>
/// <param name="Role">The admin role the menu entry needs (<see cref="Security.AdminRoles"/>; owner sees every screen).</param>
/// <param name="List">The list.</param>
/// <param name="Form">The form that creates an item, or null.</param>
/// <param name="Actions">Actions on a row.</param>
/// <param name="Summary">Figures shown above the list (a status, totals), or null.</param>
/// <param name="Toolbar">Actions on the whole screen (pause, retry all, run now), shown beside its title.</param>
public sealed record ConsoleScreen(string PluginId, string Id, IReadOnlyDictionary<string, string> Title, string Role, ConsoleList List, ConsoleForm? Form,
    IReadOnlyList<ConsoleAction> Actions, ConsoleSummary? Summary, IReadOnlyList<ConsoleAction> Toolbar);

/// <summary>Figures above a screen's list: <c>GET</c> <paramref name="Path"/> answers one JSON object whose properties <paramref name="Fields"/> names.</summary>
/// <param name="Path">The plugin's endpoint, starting with <c>/api/plugins/</c>.</param>
/// <param name="Fields">The properties shown, in order (the same shape as columns).</param>
public sealed record ConsoleSummary(string Path, IReadOnlyList<ConsoleColumn> Fields);

/// <summary>A screen's list: <c>GET</c> <paramref name="Path"/> answers an array, or an object holding one in <paramref name="ItemsField"/>.</summary>
/// <param name="Path">The plugin's endpoint, starting with <c>/api/plugins/</c>.</param>
/// <param name="ItemsField">The property holding the array, or null when the answer is the array.</param>
/// <param name="Columns">Columns, in order.</param>
public sealed record ConsoleList(string Path, string? ItemsField, IReadOnlyList<ConsoleColumn> Columns);

/// <summary>A column of a list.</summary>
/// <param name="Field">The item's property.</param>
/// <param name="Title">Header by locale.</param>
/// <param name="Type">How values show: one of <see cref="ConsoleValueTypes"/>.</param>
public sealed record ConsoleColumn(string Field, IReadOnlyDictionary<string, string> Title, string Type);

/// <summary>A form that <c>POST</c>s its fields as a JSON object to <paramref name="Path"/>; problem details show beside the fields they name.</summary>
/// <param name="Path">The plugin's endpoint, starting with <c>/api/plugins/</c>.</param>
/// <param name="Title">Button and dialog title by locale, or null.</param>
/// <param name="Fields">Fields, in order.</param>
public sealed record ConsoleForm(string Path, IReadOnlyDictionary<string, string>? Title, IReadOnlyList<ConsoleField> Fields);

/// <summary>A field of a form.</summary>
/// <param name="Name">The body property it sets.</param>
/// <param name="Title">Label by locale.</param>
/// <param name="Type">Input kind: one of <see cref="ConsoleValueTypes"/>.</param>
/// <param name="Required">Marked as required (the endpoint decides).</param>
/// <param name="Default">Initial value, or null.</param>
public sealed record ConsoleField(string Name, IReadOnlyDictionary<string, string> Title, string Type, bool Required, JsonNode? Default);

/// <summary>
/// An action on a row, or on the whole screen (a toolbar action): <paramref name="Method"/> <paramref name="Path"/>,
/// with <c>{field}</c> replaced by the row's values on a row.
/// </summary>
/// <param name="Id">Id within the screen.</param>
/// <param name="Title">Button text by locale.</param>
/// <param name="Method">HTTP method: GET, POST, PUT, PATCH or DELETE.</param>
/// <param name="Path">The plugin's endpoint, starting with <c>/api/plugins/</c>, e.g. <c>/api/plugins/acme/admin/things/{id}/end</c>.</param>
/// <param name="Confirm">Asks before it runs.</param>
public sealed record ConsoleAction(string Id, IReadOnlyDictionary<string, string> Title, string Method, string Path, bool Confirm);

/// <summary>The value types of <see cref="ConsoleColumn.Type"/> and <see cref="ConsoleField.Type"/>.</summary>
public static class ConsoleValueTypes
{
    /// <summary>Text (the default).</summary>
    public const string Text = "text";
    /// <summary>A number.</summary>
    public const string Number = "number";
    /// <summary>An amount in the store's currency.</summary>
    public const string Money = "money";
    /// <summary>A date and time (ISO 8601, UTC), shown in the browser's zone.</summary>
    public const string DateTime = "datetime";
    /// <summary>True or false.</summary>
    public const string Boolean = "boolean";
    /// <summary>Any JSON (arrays, objects), edited as text.</summary>
    public const string Json = "json";

    /// <summary>All of them.</summary>
    public static IReadOnlyList<string> All { get; } = [Text, Number, Money, DateTime, Boolean, Json];
}
