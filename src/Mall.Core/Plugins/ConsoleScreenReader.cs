using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Mall.Common;
using Mall.Security;

namespace Mall.Plugins;

/// <summary>Reads and checks <c>admin.screens</c> of a manifest; errors are keyed by their JSON path (<c>admin.screens[0].list.path</c>).</summary>
internal static partial class ConsoleScreenReader
{
    private const int MaxScreens = 20;
    private static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE"];

    public static IReadOnlyList<ConsoleScreen> Read(JsonNode? admin, string pluginId, ValidationErrors errors)
    {
        if (admin is null) return [];
        if (admin is not JsonObject adminObject) { errors.Add("admin", "must be an object."); return []; }
        foreach (var property in adminObject.Where(p => p.Key != "screens")) errors.Add($"admin.{property.Key}", "is not an admin property.");
        if (adminObject["screens"] is not { } screensNode) return [];
        if (screensNode is not JsonArray array || array.Count > MaxScreens) { errors.Add("admin.screens", $"must be an array of at most {MaxScreens} screens."); return []; }
        var screens = new List<ConsoleScreen>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < array.Count; i++)
        {
            var at = $"admin.screens[{i}]";
            if (array[i] is not JsonObject screen) { errors.Add(at, "must be an object."); continue; }
            Only(screen, at, errors, "id", "title", "role", "summary", "list", "form", "actions", "toolbar");
            var id = Text(screen, "id", at, errors, required: true, 40);
            if (id is not null && !IdPattern().IsMatch(id)) errors.Add($"{at}.id", "must be lower-case letters, digits and '-', starting with a letter.");
            else if (id is not null && !ids.Add(id)) errors.Add($"{at}.id", $"'{id}' is used by another screen.");
            var title = Title(screen["title"], $"{at}.title", errors, required: true);
            var role = Text(screen, "role", at, errors, required: false, 20) ?? AdminRoles.Owner;
            if (!AdminRoles.IsKnown(role)) errors.Add($"{at}.role", $"must be one of {string.Join(", ", AdminRoles.All)}.");
            var list = List(screen["list"], $"{at}.list", errors);
            var form = screen["form"] is null ? null : Form(screen["form"], $"{at}.form", errors);
            var actions = Actions(screen["actions"], $"{at}.actions", errors);
            var summary = screen["summary"] is null ? null : Summary(screen["summary"], $"{at}.summary", errors);
            var toolbar = Actions(screen["toolbar"], $"{at}.toolbar", errors);
            foreach (var (action, n) in toolbar.Select((a, n) => (a, n)).Where(x => x.a.Path.Contains('{', StringComparison.Ordinal)))
                errors.Add($"{at}.toolbar[{n}].path", "has no row to take '{field}' from: a toolbar action acts on the whole screen.");
            if (id is not null && title is not null && list is not null)
                screens.Add(new ConsoleScreen(pluginId, id, title, role, list, form, actions, summary, toolbar));
        }
        return screens;
    }

    private static ConsoleList? List(JsonNode? node, string at, ValidationErrors errors)
    {
        if (node is not JsonObject list) { errors.Add(at, "is required: an object with path and columns."); return null; }
        Only(list, at, errors, "path", "itemsField", "columns");
        var path = PluginPath(list, at, errors);
        var itemsField = Text(list, "itemsField", at, errors, required: false, 64);
        var columns = Columns(list, "columns", at, errors);
        return path is null ? null : new ConsoleList(path, itemsField, columns);
    }

    private static ConsoleSummary? Summary(JsonNode? node, string at, ValidationErrors errors)
    {
        if (node is not JsonObject summary) { errors.Add(at, "must be an object with path and fields."); return null; }
        Only(summary, at, errors, "path", "fields");
        var path = PluginPath(summary, at, errors);
        var fields = Columns(summary, "fields", at, errors);
        return path is null ? null : new ConsoleSummary(path, fields);
    }

    // Columns of a list, or fields of a summary: what to show of an object, titled and typed.
    private static List<ConsoleColumn> Columns(JsonObject json, string property, string at, ValidationErrors errors)
    {
        var columns = new List<ConsoleColumn>();
        if (json[property] is not JsonArray array || array.Count is 0 or > 20) { errors.Add($"{at}.{property}", $"must be an array of 1 to 20 {property}."); return columns; }
        for (var i = 0; i < array.Count; i++)
        {
            var c = $"{at}.{property}[{i}]";
            if (array[i] is not JsonObject column) { errors.Add(c, "must be an object."); continue; }
            Only(column, c, errors, "field", "title", "type");
            var field = Text(column, "field", c, errors, required: true, 64);
            var title = Title(column["title"], $"{c}.title", errors, required: true);
            var type = ValueType(column, c, errors);
            if (field is not null && title is not null) columns.Add(new ConsoleColumn(field, title, type));
        }
        return columns;
    }

    private static ConsoleForm? Form(JsonNode? node, string at, ValidationErrors errors)
    {
        if (node is not JsonObject form) { errors.Add(at, "must be an object with path and fields."); return null; }
        Only(form, at, errors, "path", "title", "fields");
        var path = PluginPath(form, at, errors);
        var title = form["title"] is null ? null : Title(form["title"], $"{at}.title", errors, required: false);
        var fields = new List<ConsoleField>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (form["fields"] is not JsonArray array || array.Count is 0 or > 30) errors.Add($"{at}.fields", "must be an array of 1 to 30 fields.");
        else
            for (var i = 0; i < array.Count; i++)
            {
                var f = $"{at}.fields[{i}]";
                if (array[i] is not JsonObject field) { errors.Add(f, "must be an object."); continue; }
                Only(field, f, errors, "name", "title", "type", "required", "default");
                var name = Text(field, "name", f, errors, required: true, 64);
                if (name is not null && !names.Add(name)) errors.Add($"{f}.name", $"'{name}' is used by another field.");
                var label = Title(field["title"], $"{f}.title", errors, required: true);
                var type = ValueType(field, f, errors);
                var required = Flag(field, "required", f, errors);
                if (name is not null && label is not null) fields.Add(new ConsoleField(name, label, type, required, field["default"]?.DeepClone()));
            }
        return path is null ? null : new ConsoleForm(path, title, fields);
    }

    private static List<ConsoleAction> Actions(JsonNode? node, string at, ValidationErrors errors)
    {
        var actions = new List<ConsoleAction>();
        if (node is null) return actions;
        if (node is not JsonArray array || array.Count > 10) { errors.Add(at, "must be an array of at most 10 actions."); return actions; }
        for (var i = 0; i < array.Count; i++)
        {
            var a = $"{at}[{i}]";
            if (array[i] is not JsonObject action) { errors.Add(a, "must be an object."); continue; }
            Only(action, a, errors, "id", "title", "method", "path", "confirm");
            var id = Text(action, "id", a, errors, required: true, 40);
            var title = Title(action["title"], $"{a}.title", errors, required: true);
            var method = (Text(action, "method", a, errors, required: false, 10) ?? "POST").ToUpperInvariant();
            if (!Methods.Contains(method)) errors.Add($"{a}.method", $"must be one of {string.Join(", ", Methods)}.");
            var path = PluginPath(action, a, errors);
            var confirm = Flag(action, "confirm", a, errors);
            if (id is not null && title is not null && path is not null) actions.Add(new ConsoleAction(id, title, method, path, confirm));
        }
        return actions;
    }

    // The console calls only the plugin API, so a screen cannot be turned against the rest of the admin API.
    private static string? PluginPath(JsonObject json, string at, ValidationErrors errors)
    {
        var path = Text(json, "path", at, errors, required: true, 300);
        if (path is null) return null;
        if (!path.StartsWith("/api/plugins/", StringComparison.Ordinal) || path.Contains("..", StringComparison.Ordinal) || path.Contains('?') || path.Contains('#') || path.Contains("//", StringComparison.Ordinal))
        {
            errors.Add($"{at}.path", "must be a path under /api/plugins/ without '..', a query or a fragment.");
            return null;
        }
        return path;
    }

    private static string ValueType(JsonObject json, string at, ValidationErrors errors)
    {
        var type = Text(json, "type", at, errors, required: false, 20) ?? ConsoleValueTypes.Text;
        if (!ConsoleValueTypes.All.Contains(type)) errors.Add($"{at}.type", $"must be one of {string.Join(", ", ConsoleValueTypes.All)}.");
        return type;
    }

    private static Dictionary<string, string>? Title(JsonNode? node, string at, ValidationErrors errors, bool required)
    {
        switch (node)
        {
            case null:
                if (required) errors.Add(at, "is required: a string, or an object of locale → text.");
                return null;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String && value.GetValue<string>().Trim() is { Length: > 0 and <= 100 } text:
                return new Dictionary<string, string>(StringComparer.Ordinal) { ["en"] = text };
            case JsonObject byLocale when byLocale.Count is > 0 and <= 20
                && byLocale.All(p => p.Key.Length is > 0 and <= 20 && p.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>().Trim().Length is > 0 and <= 100):
                return byLocale.ToDictionary(p => p.Key, p => p.Value!.GetValue<string>().Trim(), StringComparer.Ordinal);
            default:
                errors.Add(at, "must be a string, or an object of locale → text (1–100 characters each).");
                return null;
        }
    }

    private static string? Text(JsonObject json, string property, string at, ValidationErrors errors, bool required, int max)
    {
        var node = json[property];
        if (node is null)
        {
            if (required) errors.Add($"{at}.{property}", "is required.");
            return null;
        }
        if (node.GetValueKind() != JsonValueKind.String || node.GetValue<string>().Trim() is not { Length: > 0 } text || text.Length > max)
        {
            errors.Add($"{at}.{property}", $"must be a string of 1 to {max} characters.");
            return null;
        }
        return text;
    }

    private static bool Flag(JsonObject json, string property, string at, ValidationErrors errors)
    {
        var node = json[property];
        if (node is null) return false;
        if (node.GetValueKind() is JsonValueKind.True or JsonValueKind.False) return node.GetValue<bool>();
        errors.Add($"{at}.{property}", "must be true or false.");
        return false;
    }

    private static void Only(JsonObject json, string at, ValidationErrors errors, params string[] known)
    {
        foreach (var property in json.Where(p => !known.Contains(p.Key))) errors.Add($"{at}.{property.Key}", "is not a known property here.");
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{0,39}$")]
    private static partial Regex IdPattern();
}
