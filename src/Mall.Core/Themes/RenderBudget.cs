using System.Diagnostics;

namespace Mall.Themes;

/// <summary>
/// The limits of one page render, so that no template can pin a core: a work budget (steps: partial renders, loop
/// iterations, helper calls), a time budget, and the request's cancellation (a shopper who left stops the render).
/// Engines call <see cref="Step"/> at each unit of work (the built-in Scriban engine: every evaluated expression). One render, one thread: not thread-safe by design.
/// </summary>
public sealed class RenderBudget
{
    private readonly int _maxSteps;
    private readonly TimeSpan _timeout;
    private readonly long _deadline;
    private readonly CancellationToken _aborted;
    private int _steps;

    /// <summary>A budget of <paramref name="maxSteps"/> steps within <paramref name="timeout"/>, stopped early by <paramref name="aborted"/>.</summary>
    /// <param name="maxSteps">Steps allowed.</param>
    /// <param name="timeout">Time allowed from now; <see cref="Timeout.InfiniteTimeSpan"/> for none.</param>
    /// <param name="aborted">The request's cancellation.</param>
    public RenderBudget(int maxSteps, TimeSpan timeout, CancellationToken aborted = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSteps);
        _maxSteps = maxSteps;
        _timeout = timeout;
        _deadline = timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        _aborted = aborted;
    }

    /// <summary>No limit but the cancellation (renders that are not pages: checks, previews in tests).</summary>
    public static RenderBudget Unlimited(CancellationToken aborted = default) => new(int.MaxValue, Timeout.InfiniteTimeSpan, aborted);

    /// <summary>Steps taken so far.</summary>
    public int Steps => _steps;

    /// <summary>The request's cancellation (engines pass it to their own checks; the time budget is <see cref="Step"/>'s).</summary>
    public CancellationToken Aborted => _aborted;

    /// <summary>Counts one step of work.</summary>
    /// <exception cref="OperationCanceledException">The request was aborted.</exception>
    /// <exception cref="ThemeException">The step or time budget is spent (the page becomes the theme's error page).</exception>
    /// <remarks>Cheap enough to call per evaluated expression: the clock and the cancellation are read every 64 steps.</remarks>
    public void Step()
    {
        if (++_steps > _maxSteps) throw new ThemeException($"the render took more than {_maxSteps} steps (evaluated expressions, loop iterations, partials)");
        if ((_steps & 63) != 0) return;
        _aborted.ThrowIfCancellationRequested();
        if (_deadline != long.MaxValue && Stopwatch.GetTimestamp() > _deadline) throw new ThemeException($"the render took longer than {_timeout.TotalMilliseconds:0} ms");
    }
}
