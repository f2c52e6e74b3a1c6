namespace Mall.Common;

/// <summary>
/// Collects field errors while an input is checked, then throws one <see cref="MallValidationException"/> naming
/// all of them, so a client learns every problem in one round trip.
/// </summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    /// <summary>True when no error has been added.</summary>
    public bool IsEmpty => _errors.Count == 0;

    /// <summary>Adds an error for a field.</summary>
    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list)) _errors[field] = list = [];
        list.Add(message);
    }

    /// <summary>Requires a non-blank string no longer than <paramref name="maxLength"/>.</summary>
    public void Required(string field, string? value, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value)) Add(field, "is required.");
        else MaxLength(field, value, maxLength);
    }

    /// <summary>Checks the length of an optional string.</summary>
    public void MaxLength(string field, string? value, int maxLength)
    {
        if (value is not null && value.Length > maxLength) Add(field, $"must be at most {maxLength} characters (was {value.Length}).");
    }

    /// <summary>Checks an optional absolute http(s) URL.</summary>
    public void Url(string field, string? value, int maxLength = 1000)
    {
        if (value is null) return;
        if (value.Length > maxLength) { MaxLength(field, value, maxLength); return; }
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            if (!value.StartsWith('/') || value.StartsWith("//", StringComparison.Ordinal)) Add(field, "must be an absolute http(s) URL or a site-relative path starting with '/'.");
        }
    }

    /// <summary>Checks an integer range (inclusive).</summary>
    public void Range(string field, long value, long min, long max)
    {
        if (value < min || value > max) Add(field, $"must be between {min} and {max} (was {value}).");
    }

    /// <summary>Checks a money amount: not negative, at most <see cref="Money.MaxAmount"/>, at most two decimals.</summary>
    public void Money(string field, decimal value)
    {
        if (value < 0) Add(field, "must not be negative.");
        else if (value > Common.Money.MaxAmount) Add(field, $"must be at most {Common.Money.MaxAmount}.");
        else if (decimal.Round(value, 2) != value) Add(field, "must have at most two decimal places.");
    }

    /// <summary>Throws a <see cref="MallValidationException"/> when any error was added.</summary>
    public void ThrowIfAny()
    {
        if (!IsEmpty) throw new MallValidationException(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
    }
}
