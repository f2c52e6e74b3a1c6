namespace Mall.Security;

/// <summary>
/// A counter shared by every node of the mall, for rate limits that hold across nodes (the Redis package provides
/// one). Without it each node counts for itself.
/// </summary>
public interface IRateLimitCounter
{
    /// <summary>
    /// Counts one request in the fixed window <paramref name="window"/> of <paramref name="key"/>, returning the count so
    /// far and the time until the window ends; null when the shared store cannot be reached (the caller then counts
    /// locally).
    /// </summary>
    ValueTask<RateLimitCount?> IncrementAsync(string key, TimeSpan window, CancellationToken cancellationToken = default);
}

/// <summary>A window's count.</summary>
/// <param name="Count">Requests counted in the window, this one included.</param>
/// <param name="ResetsIn">Time until the window ends.</param>
public readonly record struct RateLimitCount(long Count, TimeSpan ResetsIn);

/// <summary>Rate limits of the HTTP API and storefront (<c>Mall:RateLimits</c>).</summary>
public sealed class RateLimitOptions
{
    /// <summary>Whether requests are limited (default true).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Anonymous calls, per client IP (default 300 a minute).</summary>
    public RateLimit Anonymous { get; set; } = new(300, TimeSpan.FromMinutes(1));

    /// <summary>A signed-in shopper's calls, per shopper (default 600 a minute).</summary>
    public RateLimit Shopper { get; set; } = new(600, TimeSpan.FromMinutes(1));

    /// <summary>An admin's calls (signed in, or the operator key), per admin (default 1,200 a minute).</summary>
    public RateLimit Admin { get; set; } = new(1200, TimeSpan.FromMinutes(1));

    /// <summary>An API key's calls, per key (default 1,200 a minute: 20 a second).</summary>
    public RateLimit ApiKey { get; set; } = new(1200, TimeSpan.FromMinutes(1));

    /// <summary>Sign-in and registration attempts (shoppers and admins), per client IP, on top of the above (default 10 a minute).</summary>
    public RateLimit SignIn { get; set; } = new(10, TimeSpan.FromMinutes(1));

    /// <summary>Payments started, per shopper, on top of the above (default 20 a minute).</summary>
    public RateLimit Payment { get; set; } = new(20, TimeSpan.FromMinutes(1));
}

/// <summary>A limit: at most <see cref="PermitLimit"/> requests in each fixed <see cref="Window"/>.</summary>
public sealed class RateLimit
{
    /// <summary>An unset limit (bound from configuration).</summary>
    public RateLimit() { }

    /// <summary>A limit of <paramref name="permitLimit"/> requests per <paramref name="window"/>.</summary>
    public RateLimit(int permitLimit, TimeSpan window)
    {
        PermitLimit = permitLimit;
        Window = window;
    }

    /// <summary>Requests allowed in one window.</summary>
    public int PermitLimit { get; set; }

    /// <summary>The window's length.</summary>
    public TimeSpan Window { get; set; }
}

/// <summary>The counter of a mall without a shared store: it never counts, so each node counts for itself.</summary>
public sealed class LocalRateLimitCounter : IRateLimitCounter
{
    /// <inheritdoc />
    public ValueTask<RateLimitCount?> IncrementAsync(string key, TimeSpan window, CancellationToken cancellationToken = default) => ValueTask.FromResult<RateLimitCount?>(null);
}
