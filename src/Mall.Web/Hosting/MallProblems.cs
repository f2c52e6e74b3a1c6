using Mall.Common;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Mall.Web.Hosting;

/// <summary>How Mall's errors and request-binding failures read as RFC 9457 problem details.</summary>
internal static partial class MallProblems
{
    /// <summary>The problem for a known error, or null for anything else (a server error).</summary>
    public static ProblemDetails? For(Exception exception)
    {
        ProblemDetails? problem = exception switch
        {
            MallValidationException v => new ValidationProblemDetails(v.Errors.ToDictionary(e => e.Key, e => e.Value))
            {
                Status = v.StatusCode, Title = v.Title, Detail = v.Message,
            },
            MallException m => new ProblemDetails { Status = m.StatusCode, Title = m.Title, Detail = m.Message },
            BadHttpRequestException { InnerException: System.Text.Json.JsonException json } b when MissingRequired(json) is { Count: > 0 } missing =>
                new ValidationProblemDetails(missing.ToDictionary(m => m, _ => new[] { "is required." }))
                {
                    Status = StatusCodes.Status400BadRequest, Title = "Invalid request", Detail = $"{b.Message} {json.Message}",
                },
            BadHttpRequestException b => new ProblemDetails
            {
                Status = b.StatusCode,
                Title = b.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request too large" : "Malformed request",
                // The inner JSON error names the path and position of the bad value.
                Detail = b.InnerException is { } inner ? $"{b.Message} {inner.Message}" : b.Message,
            },
            _ => null,
        };
        if (problem is not null && exception is MallException { Code: { } code }) problem.Extensions["code"] = code;
        return problem;
    }

    /// <summary>
    /// The fields a body left out that its type requires, as JSON paths relative to the body (<c>threshold</c>,
    /// <c>lines[0].skuId</c>), read from System.Text.Json's message for a missing required property.
    /// </summary>
    internal static IReadOnlyList<string> MissingRequired(System.Text.Json.JsonException json)
    {
        var match = MissingPattern().Match(json.Message);
        if (!match.Success) return [];
        var prefix = json.Path is { Length: > 1 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] + "." : json.Path is { Length: > 1 } p2 && p2.StartsWith("$[", StringComparison.Ordinal) ? p2[1..] + "." : "";
        return QuotedName().Matches(match.Groups[1].Value).Select(m => prefix + m.Groups[1].Value).ToList();
    }

    [System.Text.RegularExpressions.GeneratedRegex("was missing required properties including: (.*)\\.$", System.Text.RegularExpressions.RegexOptions.Singleline)]
    private static partial System.Text.RegularExpressions.Regex MissingPattern();

    [System.Text.RegularExpressions.GeneratedRegex("'([^']*)'")]
    private static partial System.Text.RegularExpressions.Regex QuotedName();

    /// <summary>
    /// Problem-details customisation: whoever writes the problem for an exception (the exception handler, or the
    /// developer exception page in Development), a known error gets its 4xx status and message.
    /// </summary>
    public static void Customize(ProblemDetailsContext context)
    {
        if (context.Exception is null || For(context.Exception) is not { } known) return;
        context.ProblemDetails.Status = known.Status;
        context.ProblemDetails.Title = known.Title;
        context.ProblemDetails.Detail = known.Detail;
        context.ProblemDetails.Type = null;
        foreach (var (key, value) in known.Extensions) context.ProblemDetails.Extensions[key] = value;
        if (known is ValidationProblemDetails validation) context.ProblemDetails.Extensions["errors"] = validation.Errors;
        if (!context.HttpContext.Response.HasStarted) context.HttpContext.Response.StatusCode = known.Status!.Value;
    }
}

/// <summary>
/// Answers Mall's own errors from inside the endpoint, so that they are ordinary 4xx responses (not logged as
/// unhandled exceptions) whatever middleware the host runs.
/// </summary>
internal sealed class MallProblemEndpointFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (MallException exception)
        {
            var problem = MallProblems.For(exception)!;
            return problem is ValidationProblemDetails validation
                ? TypedResults.ValidationProblem(validation.Errors, validation.Detail, title: validation.Title, extensions: validation.Extensions)
                : TypedResults.Problem(problem);
        }
    }
}
