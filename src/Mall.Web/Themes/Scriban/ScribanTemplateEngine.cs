using Mall.Themes;
using Microsoft.Extensions.Options;
using Scriban;
using Scriban.Parsing;
using Scriban.Runtime;
using Scriban.Syntax;

namespace Mall.Web.Themes.Scriban;

/// <summary>
/// The built-in <see cref="ITemplateEngine"/>: Scriban (<c>.sbn</c> templates). A theme is parsed once per version and
/// checked before it can serve: syntax errors, unknown partials and unknown functions are reported with file and line.
/// Renders see only read-only script data, Mall's helpers and a trimmed builtin set; every <c>{{ }}</c> output is
/// HTML-escaped unless written through <c>raw</c>; every evaluated expression is a step of the render's budget.
/// </summary>
internal sealed class ScribanTemplateEngine(IOptions<MallOptions> options) : ITemplateEngine
{
    // Scriban's trimmed builtins, built once and shared read-only by every theme this engine compiles.
    private readonly Lazy<ScriptObject> _standard = new(ThemeBuiltins.Standard);

    /// <inheritdoc />
    public string Name => "scriban";

    /// <inheritdoc />
    public string Extension => ".sbn";

    /// <inheritdoc />
    public ICompiledTheme Compile(ThemeSources sources, IReadOnlyCollection<string> helperNames)
    {
        var limits = options.Value.Themes;
        var parsed = new Dictionary<string, Template>(StringComparer.Ordinal);
        foreach (var (name, source) in sources.Templates)
            parsed[name] = Parse(source, limits);
        var partials = parsed.Where(p => p.Key.StartsWith("partials/", StringComparison.Ordinal))
            .ToDictionary(p => p.Key["partials/".Length..], p => p.Value, StringComparer.Ordinal);

        var known = new HashSet<string>(helperNames, StringComparer.Ordinal) { "raw", "include", "empty", "blank" };
        known.UnionWith(ThemeBuiltins.Namespaces);
        var namespaces = _standard.Value;
        var calls = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var raw = new List<ThemeIssue>();
        var missing = new HashSet<string>(StringComparer.Ordinal);
        // Functions a theme defines (`func name … end`) may be called from any of its templates.
        var defined = new HashSet<string>(StringComparer.Ordinal);
        foreach (var template in parsed.Values) TemplateCheck.CollectFunctions(template.Page, defined);
        foreach (var (name, template) in parsed)
        {
            var check = new TemplateCheck(sources.Templates[name], sources.Strict, known, defined, namespaces, partials.ContainsKey);
            check.Visit(template.Page);
            calls[name] = check.Includes.Select(i => $"partials/{i}").ToList();
            raw.AddRange(check.RawOutputs);
            missing.UnionWith(check.Missing);
        }
        // A helper that went away since the check writes nothing (its name still resolves, to no helper).
        var builtins = ThemeBuiltins.Create(namespaces, partials, helperNames.Concat(missing));
        CheckExpansion(sources, calls, limits.MaxPartialExpansions);
        return new CompiledScribanTheme(parsed, builtins, limits, raw);
    }

    private static Template Parse(ThemeSource source, MallThemeOptions limits)
    {
        Template template;
        try
        {
            template = Template.Parse(source.Text, source.File, new ParserOptions { ExpressionDepthLimit = limits.MaxNesting }, new LexerOptions { Lang = ScriptLang.Default, Mode = ScriptMode.Default });
        }
        catch (Exception ex) when (ex is InvalidOperationException or InsufficientExecutionStackException or ArgumentException)
        {
            throw new ThemeException($"cannot be parsed: {ex.Message}", source.File);
        }
        if (template.HasErrors)
        {
            var first = template.Messages.First(m => m.Type == ParserMessageType.Error);
            throw new ThemeException(first.Message, source.File, first.Span.Start.Line + 1);
        }
        return template;
    }

    /// <summary>
    /// Refuses a theme whose includes alone render more than <paramref name="limit"/> partials for one template: each
    /// <c>include</c> counts once per place it is written (loops are not multiplied, recursion is cut at the cycle), so
    /// this is a lower bound, and a theme over it is explosive for certain.
    /// </summary>
    private static void CheckExpansion(ThemeSources sources, Dictionary<string, List<string>> calls, int limit)
    {
        var counted = new Dictionary<string, double>(StringComparer.Ordinal);
        var visiting = new HashSet<string>(StringComparer.Ordinal);
        double Count(string template)
        {
            if (counted.TryGetValue(template, out var known)) return known;
            if (!visiting.Add(template)) return 0;   // a cycle: bounded by the nesting limit at render time
            var total = 1d;
            foreach (var partial in calls.GetValueOrDefault(template) ?? []) total += Count(partial);
            visiting.Remove(template);
            return counted[template] = total;
        }
        foreach (var (name, source) in sources.Templates)
            if (Count(name) - 1 > limit)
                throw new ThemeException($"renders its partials {Count(name) - 1:0} times or more (the limit is {limit}): partials that include others several times multiply", source.File);
    }

    private sealed class CompiledScribanTheme(IReadOnlyDictionary<string, Template> templates, ScriptObject builtins, MallThemeOptions limits, IReadOnlyList<ThemeIssue> raw) : ICompiledTheme
    {
        public bool Has(string template) => templates.ContainsKey(template);

        public IReadOnlyCollection<string> TemplateNames => (IReadOnlyCollection<string>)templates.Keys;

        public IReadOnlyList<ThemeIssue> RawOutputs => raw;

        public void Render(string template, object model, RenderContext context, TextWriter output)
        {
            if (!templates.TryGetValue(template, out var compiled)) throw new ThemeException($"the theme has no template '{template}'");
            var scriptContext = new MallTemplateContext(builtins, context, limits);
            scriptContext.PushGlobal(model as ScriptObject ?? (model is IEnumerable<KeyValuePair<string, object?>> values ? ScriptData.Object(values) : new ScriptObject()));
            // What the template assigns lives here, for this render only.
            scriptContext.PushGlobal(new ScriptObject());
            scriptContext.PushOutput(new TextWriterOutput(output));
            try
            {
                compiled.Render(scriptContext);
            }
            catch (ScriptAbortException) when (context.Budget.Aborted.IsCancellationRequested)
            {
                throw new OperationCanceledException(context.Budget.Aborted);
            }
        }
    }
}
