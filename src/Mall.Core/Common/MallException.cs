namespace Mall.Common;

/// <summary>
/// Base class of the errors Mall raises for a caller's mistake or a business rule. The web host turns each into an
/// RFC 9457 problem-details response with the status code the subclass names; anything else is a server error.
/// </summary>
public abstract class MallException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected MallException(string message, Exception? inner = null) : base(message, inner) { }

    /// <summary>The HTTP status code that describes this error (4xx).</summary>
    public abstract int StatusCode { get; }

    /// <summary>A short, stable, human-readable summary of the error type (problem details <c>title</c>).</summary>
    public abstract string Title { get; }

    /// <summary>A stable machine-readable error code (problem details extension <c>code</c>), e.g. <c>stock.insufficient</c>.</summary>
    public string? Code { get; init; }
}

/// <summary>The input is invalid; <see cref="Errors"/> names every offending field.</summary>
public sealed class MallValidationException : MallException
{
    /// <summary>Creates the exception from field errors (field path → messages).</summary>
    public MallValidationException(IReadOnlyDictionary<string, string[]> errors)
        : base("One or more fields are invalid: " + string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")))
    {
        Errors = errors;
    }

    /// <summary>Creates the exception for one field.</summary>
    public MallValidationException(string field, string message)
        : this(new Dictionary<string, string[]> { [field] = [message] }) { }

    /// <summary>Field path (camelCase, e.g. <c>skus[1].price</c>) → messages.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }

    /// <inheritdoc />
    public override int StatusCode => 400;

    /// <inheritdoc />
    public override string Title => "Invalid input";
}

/// <summary>The thing asked for does not exist (or is not visible to the caller).</summary>
public sealed class MallNotFoundException(string message) : MallException(message)
{
    /// <inheritdoc />
    public override int StatusCode => 404;

    /// <inheritdoc />
    public override string Title => "Not found";
}

/// <summary>The request conflicts with the current state (duplicate key, insufficient stock, illegal transition).</summary>
public sealed class MallConflictException(string message) : MallException(message)
{
    /// <inheritdoc />
    public override int StatusCode => 409;

    /// <inheritdoc />
    public override string Title => "Conflict";
}
