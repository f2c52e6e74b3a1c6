using Mall.Themes;
using Scriban;
using Scriban.Functions;
using Scriban.Parsing;
using Scriban.Runtime;
using Scriban.Syntax;

namespace Mall.Web.Themes.Scriban;

/// <summary>A function templates call with any arguments (Scriban passes them as a list).</summary>
internal abstract class ScribanFunction : IScriptCustomFunction
{
    public abstract object? Invoke(TemplateContext context, ScriptNode? callerContext, ScriptArray arguments, ScriptBlockStatement? blockStatement);

    public ValueTask<object?> InvokeAsync(TemplateContext context, ScriptNode? callerContext, ScriptArray arguments, ScriptBlockStatement? blockStatement) =>
        new(Invoke(context, callerContext, arguments, blockStatement));

    public int RequiredParameterCount => 0;

    public int ParameterCount => 0;

    public ScriptVarParamKind VarParamKind => ScriptVarParamKind.Direct;

    public Type ReturnType => typeof(object);

    public ScriptParameterInfo GetParameterInfo(int index) => new(typeof(object), $"arg{index}");

    public int GetParameterIndexByName(string name) => -1;

    protected static MallTemplateContext Mall(TemplateContext context, ScriptNode? caller) =>
        context as MallTemplateContext ?? throw new ScriptRuntimeException(caller?.Span ?? default, "Mall's functions run only inside a Mall render.");
}

/// <summary><c>raw value</c> (or <c>value | raw</c>): the one way to write HTML unescaped. The theme check lists each use.</summary>
internal sealed class RawFunction : ScribanFunction
{
    public override object? Invoke(TemplateContext context, ScriptNode? callerContext, ScriptArray arguments, ScriptBlockStatement? blockStatement) =>
        arguments.Count == 0 || arguments[0] is null ? null : arguments[0] as RawHtml ?? new RawHtml(context.ObjectToString(arguments[0]) ?? "");
}

/// <summary>
/// <c>include 'name' key: value…</c>: renders a partial of the theme (parsed once with the theme) with the named
/// values visible as variables; there is no other loader, so a template cannot reach files or other themes.
/// </summary>
internal sealed class IncludeFunction(IReadOnlyDictionary<string, Template> partials) : ScribanFunction
{
    public override object? Invoke(TemplateContext context, ScriptNode? callerContext, ScriptArray arguments, ScriptBlockStatement? blockStatement)
    {
        var name = arguments.Count > 0 ? context.ObjectToString(arguments[0]) ?? "" : "";
        if (!partials.TryGetValue(name, out var partial))
            throw new ScriptRuntimeException(callerContext?.Span ?? context.CurrentSpan, $"the theme has no partial '{name}'");
        // Named arguments (`include 'card' card: p`) become the partial's variables, over the page's; what the partial
        // assigns stays in this scope.
        var scope = new ScriptObject();
        if (callerContext is ScriptFunctionCall call)
            foreach (var argument in call.Arguments)
                if (argument is ScriptNamedArgument { Name: { } key, Value: { } value })
                    scope.SetValue(key.Name, context.Evaluate(value), readOnly: false);
        context.PushGlobal(scope);
        try
        {
            return new RawHtml(context.RenderTemplate(partial, arguments, callerContext));
        }
        finally
        {
            context.PopGlobal();
        }
    }
}

/// <summary>A helper (built-in, the host's or a plugin's), resolved by name at each call so a compiled theme holds no plugin object.</summary>
internal sealed class HelperFunction(string name) : ScribanFunction
{
    public override object? Invoke(TemplateContext context, ScriptNode? callerContext, ScriptArray arguments, ScriptBlockStatement? blockStatement)
    {
        var render = Mall(context, callerContext).Render;
        // A plugin's helper that has gone (the plugin disabled) writes nothing: the theme passed its check with it.
        if (render.Helper(name) is not { } helper) return null;
        var args = new object?[arguments.Count];
        for (var i = 0; i < args.Length; i++) args[i] = arguments[i] is RawHtml html ? html.Html : arguments[i];
        var text = helper.Invoke(render, args, out var raw);
        return raw ? new RawHtml(text) : text;
    }
}

/// <summary>
/// Scriban's builtins, trimmed for themes: <c>array</c>, <c>html</c>, <c>math</c>, <c>object</c> (without
/// <c>eval</c> and <c>eval_template</c>), <c>regex</c>, <c>string</c>, <c>timespan</c>, <c>empty</c>/<c>blank</c>.
/// Gone: <c>include_join</c> and the file loader, and <c>date</c> (its <c>now</c> would make pages differ per render;
/// Mall's <c>date</c> helper formats dates). Every object is read-only, so a template cannot redefine a function for
/// other renders.
/// </summary>
internal static class ThemeBuiltins
{
    public static readonly string[] Namespaces = ["array", "html", "math", "object", "regex", "string", "timespan"];

    /// <summary>Scriban's trimmed namespaces and <c>empty</c>/<c>blank</c>, read-only: built once per engine, shared by every theme.</summary>
    public static ScriptObject Standard()
    {
        var defaults = TemplateContext.GetDefaultBuiltinObject();
        var standard = new ScriptObject();
        foreach (var name in Namespaces)
        {
            var copy = new ScriptObject();
            if (defaults[name] is ScriptObject functions)
                foreach (var (member, value) in functions)
                    if (!(name == "object" && member is "eval" or "eval_template"))
                        copy.SetValue(member, value, readOnly: true);
            copy.IsReadOnly = true;
            standard.SetValue(name, copy, readOnly: true);
        }
        standard.SetValue("empty", defaults["empty"], readOnly: true);
        standard.SetValue("blank", defaults["blank"], readOnly: true);
        standard.IsReadOnly = true;
        return standard;
    }

    /// <summary>One theme's builtins: the standard ones, its helpers, <c>raw</c> and <c>include</c> over its partials.</summary>
    public static ScriptObject Create(ScriptObject standard, IReadOnlyDictionary<string, Template> partials, IEnumerable<string> helperNames)
    {
        var builtins = new ScriptObject();
        foreach (var (name, value) in standard) builtins.SetValue(name, value, readOnly: true);
        foreach (var helper in helperNames) builtins.SetValue(helper, new HelperFunction(helper), readOnly: true);
        builtins.SetValue("raw", new RawFunction(), readOnly: true);
        builtins.SetValue("include", new IncludeFunction(partials), readOnly: true);
        builtins.IsReadOnly = true;
        return builtins;
    }
}

/// <summary>
/// One render's Scriban context: HTML-escapes every <c>{{ }}</c> output that is not <see cref="RawHtml"/>, counts every
/// evaluated expression as a step of the <see cref="RenderBudget"/>, and reads members of script data only.
/// </summary>
internal sealed class MallTemplateContext : TemplateContext
{
    public MallTemplateContext(ScriptObject builtins, RenderContext render, MallThemeOptions limits) : base(builtins)
    {
        Render = render;
        Budget = render.Budget;
        // The step budget bounds loops; Scriban's own loop limit would stop a 1,000-product category page.
        LoopLimit = limits.MaxRenderSteps;
        RecursiveLimit = limits.MaxNesting;
        LimitToString = limits.MaxStringLength;
        ObjectRecursionLimit = 20;
        RegexTimeOut = limits.RegexTimeout;
        MemberFilter = static _ => false;
        EnableRelaxedMemberAccess = true;
        EnableRelaxedTargetAccess = true;   // a member of nothing is nothing, as in the old engine
        StrictVariables = false;
        AutoIndent = false;
        NewLine = "\n";
        CancellationToken = render.Budget.Aborted;
    }

    public RenderContext Render { get; }

    private RenderBudget Budget { get; }

    public override object? Evaluate(ScriptNode? scriptNode, bool aliasReturnedFunction)
    {
        Budget.Step();
        return base.Evaluate(scriptNode, aliasReturnedFunction);
    }

    public override TemplateContext Write(SourceSpan span, object? textAsObject)
    {
        switch (textAsObject)
        {
            case null:
                break;
            case RawHtml html:
                Write(html.Html);
                break;
            default:
                Write(Html.Escape(ObjectToString(textAsObject)));
                break;
        }
        return this;
    }

    // As in Handlebars and Jinja, an empty text is false in `if` (an unset setting or a missing subtitle); 0 stays true, as in Scriban.
    public override bool ToBool(SourceSpan span, object? value) => value is not string { Length: 0 } && base.ToBool(span, value);

    // Script data, strings and numbers have members; any other object (a RawHtml, a date) shows none.
    protected override IObjectAccessor? GetMemberAccessorImpl(object target) =>
        target is IScriptObject or string || target.GetType().IsPrimitive || target is decimal ? base.GetMemberAccessorImpl(target) : null;
}

/// <summary>HTML escaping of the five characters that matter in text and quoted attributes; other text (Chinese, ¥) as it is.</summary>
internal static class Html
{
    private static readonly System.Buffers.SearchValues<char> Special = System.Buffers.SearchValues.Create("&<>\"'");

    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var first = text.AsSpan().IndexOfAny(Special);
        if (first < 0) return text;
        var builder = new System.Text.StringBuilder(text.Length + 16).Append(text, 0, first);
        for (var i = first; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '&': builder.Append("&amp;"); break;
                case '<': builder.Append("&lt;"); break;
                case '>': builder.Append("&gt;"); break;
                case '"': builder.Append("&quot;"); break;
                case '\'': builder.Append("&#39;"); break;
                default: builder.Append(c); break;
            }
        }
        return builder.ToString();
    }
}
