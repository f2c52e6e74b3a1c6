using Mall.Themes;
using Scriban.Runtime;
using Scriban.Syntax;

namespace Mall.Web.Themes.Scriban;

/// <summary>
/// What the theme check reads from a parsed template: the partials it includes (each must exist and be named by
/// literal text), the functions it calls (each must be a builtin, a helper or one the theme defines) and its raw outputs.
/// </summary>
internal sealed class TemplateCheck(ThemeSource source, bool strict, IReadOnlySet<string> known, IReadOnlySet<string> defined, ScriptObject builtins, Func<string, bool> hasPartial) : ScriptVisitor
{
    public List<string> Includes { get; } = [];

    public List<ThemeIssue> RawOutputs { get; } = [];

    /// <summary>Functions called that nothing defines (only when not strict: helpers that went away).</summary>
    public HashSet<string> Missing { get; } = new(StringComparer.Ordinal);

    public static void CollectFunctions(ScriptNode? node, HashSet<string> names)
    {
        if (node is null) return;
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        if (node is ScriptFunction { NameOrDoToken: ScriptVariable name }) names.Add(name.Name);
        foreach (var child in node.Children) CollectFunctions(child, names);
    }

    public override void Visit(ScriptNode? node)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (node)
        {
            case ScriptFunctionCall call:
                Called(call.Target, call);
                if (IsNamed(call.Target, "include")) Include(call);
                break;
            case ScriptPipeCall pipe:
                // `x | f a` pipes into a call; `x | f` into a name.
                if (pipe.To is not ScriptFunctionCall) Called(pipe.To, pipe);
                break;
        }
        base.Visit(node);
    }

    private void Called(ScriptExpression? target, ScriptNode at)
    {
        switch (target)
        {
            case ScriptVariableGlobal global when !known.Contains(global.Name) && !defined.Contains(global.Name):
                if (!strict)
                {
                    Missing.Add(global.Name);
                    break;
                }
                throw Problem($"calls the function '{global.Name}', which is not a Scriban builtin, a Mall helper or a function of the theme", at);
            case ScriptVariableGlobal { Name: "raw" }:
                RawOutputs.Add(new ThemeIssue(source.File, at.Span.Start.Line + 1, at.ToString().Trim()));
                break;
            case ScriptMemberExpression { Target: ScriptVariableGlobal space, Member: ScriptVariable member } when ThemeBuiltins.Namespaces.Contains(space.Name):
                if (builtins[space.Name] is ScriptObject functions && !functions.ContainsKey(member.Name))
                    throw Problem($"calls '{space.Name}.{member.Name}', which themes do not have", at);
                break;
        }
    }

    private void Include(ScriptFunctionCall call)
    {
        if (call.Arguments.Count == 0 || call.Arguments[0] is not ScriptLiteral { Value: string name })
            throw Problem("includes a partial by a computed name: write the partial's name as text, e.g. include 'product-card'", call);
        if (!hasPartial(name)) throw Problem($"uses the partial '{name}', which the theme does not have", call);
        Includes.Add(name);
    }

    private static bool IsNamed(ScriptExpression? target, string name) => target is ScriptVariableGlobal global && global.Name == name;

    private ThemeException Problem(string message, ScriptNode at) => new(message, source.File, at.Span.Start.Line + 1);
}
