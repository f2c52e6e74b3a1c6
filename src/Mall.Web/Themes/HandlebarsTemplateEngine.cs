using System.Text.RegularExpressions;
using HandlebarsDotNet;
using Mall.Themes;
using Microsoft.Extensions.Options;

namespace Mall.Web.Themes;

/// <summary>
/// The built-in <see cref="ITemplateEngine"/>: Handlebars (the language of BigCommerce's Stencil themes) through
/// Handlebars.Net. Each theme gets its own environment with its partials and the helper set; templates compile once.
/// Output is HTML-escaped unless a template writes <c>{{{ }}}</c>; templates only ever see flat view models. Every
/// partial render, loop iteration and helper call is a step of the render's <see cref="RenderBudget"/>, and a theme
/// whose partials alone provably fan out past <see cref="MallThemeOptions.MaxPartialExpansions"/> does not compile.
/// </summary>
public sealed partial class HandlebarsTemplateEngine(IOptions<MallOptions> options) : ITemplateEngine
{
    /// <summary>The hidden helper that counts a step (reserved name).</summary>
    private const string StepHelper = "__mall_step";

    /// <inheritdoc />
    public string Name => "handlebars";

    /// <inheritdoc />
    public string Extension => ".hbs";

    /// <inheritdoc />
    public ICompiledTheme Compile(ThemeSources sources, IReadOnlyCollection<string> helperNames)
    {
        var compiled = new CompiledHandlebarsTheme();
        var environment = Handlebars.Create(new HandlebarsConfiguration
        {
            ThrowOnUnresolvedBindingExpression = false,
            NoEscape = false,
            // Bounded render depth: a partial including itself stops here with an error (an error page), not a stack overflow.
            PartialRecursionDepthLimit = MaxPartialDepth,
        });
        sources = new ThemeSources(sources.Templates.ToDictionary(t => t.Key, t => t.Value with { Text = Unindent(t.Value.Text) }, StringComparer.Ordinal));
        CheckExpansion(sources, options.Value.Themes.MaxPartialExpansions);
        environment.RegisterHelper(StepHelper, (EncodedTextWriter _, Context _, Arguments _) =>
            (compiled.Current ?? throw new InvalidOperationException("Templates run only inside a render.")).Budget.Step());
        foreach (var helperName in helperNames)
        {
            var name = helperName;
            environment.RegisterHelper(name, (EncodedTextWriter output, Context _, Arguments arguments) =>
            {
                var context = compiled.Current ?? throw new InvalidOperationException("Helpers run only inside a render.");
                context.Budget.Step();
                var helper = context.Helper(name) ?? throw new ThemeException($"the helper '{name}' is no longer installed");
                var args = new object?[arguments.Length];
                for (var i = 0; i < args.Length; i++) args[i] = arguments[i];
                var text = helper.Invoke(context, args, out var raw);
                if (raw) output.WriteSafeString(text);
                else output.Write(text);
            });
        }

        // Every partial a template names must exist: found now, not on a live page.
        foreach (var (name, source) in sources.Templates)
        {
            foreach (Match reference in PartialReference().Matches(source.Text))
            {
                var partial = reference.Groups[1].Value;
                if (!sources.Templates.ContainsKey($"partials/{partial}") && !sources.Templates.ContainsKey(partial))
                    throw new ThemeException($"uses the partial '{partial}', which the theme does not have", source.File, LineOf(source.Text, reference.Index));
            }
        }
        foreach (var (name, source) in sources.Templates.Where(t => t.Key.StartsWith("partials/", StringComparison.Ordinal)))
        {
            // Compiled once here to report syntax errors with the file; registered by source, so that partials escape
            // like the templates that include them.
            CompileOne(environment, source);
            environment.RegisterTemplate(name["partials/".Length..], Counted(source.Text));
        }
        foreach (var (name, source) in sources.Templates)
            compiled.Templates[name] = CompileOne(environment, source);
        return compiled;
    }

    /// <summary>How deep partials may nest.</summary>
    public const int MaxPartialDepth = 20;

    /// <summary>
    /// Handlebars.Net 2.4.3 writes an indented standalone partial (a line holding only <c>  {{> name}}</c>) without
    /// HTML-escaping the partial's values. Removing the indentation before compiling keeps every partial escaped; the
    /// only cost is that partial output is not re-indented.
    /// </summary>
    internal static string Unindent(string source) => IndentedPartial().Replace(source, "");

    [GeneratedRegex(@"(?m)^[ 	]+(?=\{\{~?#?>)")]
    private static partial Regex IndentedPartial();

    /// <summary>
    /// The template with a step before each partial render and at the start of each loop iteration (the work a
    /// template can multiply); helpers count their own calls.
    /// </summary>
    internal static string Counted(string source) =>
        EachBlock().Replace(PartialCall().Replace(source, $"{{{{$1{StepHelper}}}}}{{{{$2"), $"$1{{{{{StepHelper}}}}}");

    [GeneratedRegex(@"\{\{(~?)(#?>)")]
    private static partial Regex PartialCall();

    [GeneratedRegex(@"(\{\{~?#each\b[^}]*\}\})")]
    private static partial Regex EachBlock();

    /// <summary>
    /// Refuses a theme whose partials alone render more than <paramref name="limit"/> partials for one template: each
    /// <c>{{> name}}</c> counts once per place it is written (loops are not multiplied, recursion is cut at the cycle),
    /// so this is a lower bound, and a theme over it is explosive for certain.
    /// </summary>
    private static void CheckExpansion(ThemeSources sources, int limit)
    {
        var calls = sources.Templates.ToDictionary(t => t.Key, t => PartialReference().Matches(t.Value.Text)
            .Select(m => sources.Templates.ContainsKey($"partials/{m.Groups[1].Value}") ? $"partials/{m.Groups[1].Value}" : m.Groups[1].Value)
            .Where(sources.Templates.ContainsKey).ToList(), StringComparer.Ordinal);
        var counted = new Dictionary<string, double>(StringComparer.Ordinal);
        var visiting = new HashSet<string>(StringComparer.Ordinal);
        double Count(string template)
        {
            if (counted.TryGetValue(template, out var known)) return known;
            if (!visiting.Add(template)) return 0;   // a cycle: bounded by the nesting limit at render time
            var total = 1d;
            foreach (var partial in calls[template]) total += Count(partial);
            visiting.Remove(template);
            return counted[template] = total;
        }
        foreach (var (name, source) in sources.Templates)
        {
            if (Count(name) - 1 > limit)
                throw new ThemeException($"renders its partials {Count(name) - 1:0} times or more (the limit is {limit}): partials that include others several times multiply", source.File);
        }
    }

    private static HandlebarsTemplate<TextWriter, object, object> CompileOne(IHandlebars environment, ThemeSource source)
    {
        try
        {
            using var reader = new StringReader(Counted(source.Text));
            var template = environment.Compile(reader);
            return template;
        }
        catch (Exception ex) when (ex is HandlebarsException or InvalidOperationException or ArgumentException)
        {
            throw new ThemeException(Clean(ex.Message), source.File, LineFromMessage(ex.Message));
        }
    }

    /// <summary>Handlebars.Net reports positions as "line N" or "(N:M)" in its messages.</summary>
    private static int? LineFromMessage(string message)
    {
        var match = LinePattern().Match(message);
        return match.Success && int.TryParse(match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Value, out var line) ? line : null;
    }

    private static string Clean(string message) => message.Replace(Environment.NewLine, " ").Trim();

    private static int LineOf(string text, int index)
    {
        var line = 1;
        for (var i = 0; i < index && i < text.Length; i++)
            if (text[i] == '\n') line++;
        return line;
    }

    [GeneratedRegex(@"\{\{~?#?>\s*([A-Za-z0-9_\-/]+)")]
    private static partial Regex PartialReference();

    [GeneratedRegex(@"line (\d+)|\((\d+):\d+\)", RegexOptions.IgnoreCase)]
    private static partial Regex LinePattern();

    private sealed class CompiledHandlebarsTheme : ICompiledTheme
    {
        // The render on this thread (rendering is synchronous), for helpers to reach translations, assets and zones.
        private readonly ThreadLocal<RenderContext?> _current = new();

        public Dictionary<string, HandlebarsTemplate<TextWriter, object, object>> Templates { get; } = new(StringComparer.Ordinal);

        public RenderContext? Current => _current.Value;

        public bool Has(string template) => Templates.ContainsKey(template);

        public IReadOnlyCollection<string> TemplateNames => Templates.Keys;

        public void Render(string template, object model, RenderContext context, TextWriter output)
        {
            if (!Templates.TryGetValue(template, out var compiled)) throw new ThemeException($"the theme has no template '{template}'");
            var previous = _current.Value;
            _current.Value = context;
            try
            {
                compiled(output, model, null!);
            }
            finally
            {
                _current.Value = previous;
            }
        }
    }
}
