namespace Mall.Themes;

/// <summary>
/// A template language for storefront themes (the built-in one is Scriban). An engine compiles a theme's files once
/// into a <see cref="ICompiledTheme"/>, which then renders pages from flat view models many times.
/// </summary>
public interface ITemplateEngine
{
    /// <summary>The name a theme selects in <c>theme.json</c> (<c>"engine"</c>), e.g. <c>scriban</c>.</summary>
    string Name { get; }

    /// <summary>File extension of its templates, with the dot, e.g. <c>.sbn</c>.</summary>
    string Extension { get; }

    /// <summary>
    /// Compiles every layout, page, section and partial of a theme (its own files over its base theme's). Templates
    /// may call the helpers named in <paramref name="helperNames"/>; each call runs the helper of that name that
    /// <see cref="RenderContext.Helper"/> gives at render time (so a plugin's helper is never held by a compiled theme).
    /// </summary>
    /// <exception cref="ThemeException">A syntax error or a missing partial, naming the file and line.</exception>
    ICompiledTheme Compile(ThemeSources sources, IReadOnlyCollection<string> helperNames);
}

/// <summary>A theme's templates, compiled; thread-safe; cached until the theme changes.</summary>
public interface ICompiledTheme
{
    /// <summary>Whether the theme has the template (e.g. <c>pages/product</c>).</summary>
    bool Has(string template);

    /// <summary>Every template's name.</summary>
    IReadOnlyCollection<string> TemplateNames { get; }

    /// <summary>Where templates write unescaped HTML, for the theme check to list (empty by default).</summary>
    IReadOnlyList<ThemeIssue> RawOutputs => [];

    /// <summary>Renders <paramref name="template"/> with a flat view model into <paramref name="output"/>.</summary>
    void Render(string template, object model, RenderContext context, TextWriter output);
}

/// <summary>A place in a theme's files.</summary>
/// <param name="File">File (with the theme's name).</param>
/// <param name="Line">Line, 1-based.</param>
/// <param name="Text">What is there.</param>
public sealed record ThemeIssue(string File, int Line, string Text);

/// <summary>The templates of a theme, by logical name (<c>layouts/base</c>, <c>pages/home</c>, <c>partials/header</c>, <c>sections/hero</c>).</summary>
/// <param name="Templates">Name → source and the file it came from (for error messages).</param>
public sealed record ThemeSources(IReadOnlyDictionary<string, ThemeSource> Templates)
{
    /// <summary>
    /// Whether a call to a function that is neither the engine's, a helper named at compile time nor the theme's own is
    /// an error (true: the theme check). False when a theme that passed the check compiles again after a plugin's
    /// helper went away: such calls then write nothing, and the storefront keeps its theme.
    /// </summary>
    public bool Strict { get; init; } = true;
}

/// <summary>One template's source.</summary>
/// <param name="Text">The source.</param>
/// <param name="File">The file, relative to its theme, with the theme's name (e.g. <c>default/pages/home.sbn</c>).</param>
public sealed record ThemeSource(string Text, string File);

/// <summary>What a render can reach besides its view model: translations, settings, URLs of assets, widgets.</summary>
public abstract class RenderContext
{
    /// <summary>The shopper's language, e.g. <c>zh-CN</c>.</summary>
    public abstract string Culture { get; }

    /// <summary>A translated text of the theme's locale files, or the key when missing.</summary>
    public abstract string Translate(string key);

    /// <summary>The content-hashed URL of a theme asset (e.g. <c>css/site.css</c>).</summary>
    public abstract string AssetUrl(string path);

    /// <summary>The HTML plugins render into a widget zone (already escaped by their own templates).</summary>
    public abstract string RenderZone(string zone);

    /// <summary>Formats an amount in the store's currency.</summary>
    public abstract string Money(decimal amount);

    /// <summary>The helper of this name now (built-in, the host's or an enabled plugin's), or null.</summary>
    public abstract ITemplateHelper? Helper(string name);

    /// <summary>
    /// This render's limits: engines call <see cref="RenderBudget.Step"/> for every unit of template work (the Scriban
    /// engine: every evaluated expression), so that a runaway template stops (an error page) instead of pinning a core.
    /// </summary>
    public RenderBudget Budget { get; init; } = RenderBudget.Unlimited();
}

/// <summary>A helper a template may call, e.g. <c>{{ money price }}</c> or <c>{{ price | money }}</c>. The built-in set is documented in docs/themes.md; plugins may add more.</summary>
public interface ITemplateHelper
{
    /// <summary>Its name in templates.</summary>
    string Name { get; }

    /// <summary>The text it writes for the arguments (escaped by the engine unless <paramref name="raw"/> is set).</summary>
    string Invoke(RenderContext context, IReadOnlyList<object?> arguments, out bool raw);
}

/// <summary>A theme is broken: what is wrong, where.</summary>
public sealed class ThemeException(string message, string? file = null, int? line = null) : Exception(file is null ? message : $"{file}{(line is null ? "" : $":{line}")}: {message}")
{
    /// <summary>The file, when known.</summary>
    public string? File { get; } = file;

    /// <summary>The line (1-based), when known.</summary>
    public int? Line { get; } = line;

    /// <summary>The message without the location.</summary>
    public string Problem { get; } = message;
}
