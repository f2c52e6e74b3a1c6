using Mall.Clustering;

namespace Mall.Outbox.Services;

/// <summary>
/// Wakes the outbox dispatcher when events are written, so that they leave within milliseconds instead of at the
/// next poll. A write raises it at once (the event may not be committed yet) and again shortly after (when it
/// usually is), and tells the other nodes (the dispatcher runs on whichever holds its lease) — at most once per
/// burst, so a busy node sends a few cluster messages a second, not one per event.
/// </summary>
internal sealed class OutboxSignal : IDisposable
{
    /// <summary>The cluster topic a node announces new events on.</summary>
    public const string Topic = "mall.outbox";

    private static readonly TimeSpan AfterCommit = TimeSpan.FromMilliseconds(30);
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly IClusterBus _bus;
    private readonly ITimer _trailing;
    private readonly IDisposable _subscription;
    private int _armed;

    public OutboxSignal(IClusterBus bus, TimeProvider clock)
    {
        _bus = bus;
        _trailing = clock.CreateTimer(_ => Trail(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _subscription = bus.Subscribe(Topic, (_, _) => { Release(); return Task.CompletedTask; });
    }

    /// <summary>Events were written (or are about to be committed).</summary>
    public void Raise()
    {
        Release();
        if (Interlocked.Exchange(ref _armed, 1) == 0) _trailing.Change(AfterCommit, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Completes when events may be waiting.</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => _wake.WaitAsync(cancellationToken);

    private void Trail()
    {
        Volatile.Write(ref _armed, 0);
        Release();
        // Fire and forget: a lost message only delays the other node's dispatcher to its next poll.
        _ = _bus.PublishAsync(Topic, "", CancellationToken.None).ContinueWith(static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
    }

    private void Release()
    {
        try
        {
            if (_wake.CurrentCount == 0) _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already raised.
        }
    }

    public void Dispose()
    {
        _subscription.Dispose();
        _trailing.Dispose();
        _wake.Dispose();
    }
}
