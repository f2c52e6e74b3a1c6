namespace Mall.Common;

/// <summary>
/// A value read from the database and kept for a while (freight templates, promotion rules: few rows read on every
/// checkout). <see cref="Invalidate"/> after a change here makes the next read fresh; a change made while a read
/// runs is not overwritten by that read; other nodes' changes arrive within the lifetime. Plugins may use it for
/// their own small tables.
/// </summary>
/// <typeparam name="T">The value kept.</typeparam>
public sealed class CachedSnapshot<T> : IDisposable where T : class
{
    private readonly TimeProvider _clock;
    private readonly TimeSpan _lifetime;
    private readonly Clustering.IClusterBus? _bus;
    private readonly string? _topic;
    private readonly IDisposable? _subscription;
    private volatile Entry? _entry;
    private long _version;

    /// <summary>A snapshot of this node only: other nodes' changes arrive within <paramref name="lifetime"/>.</summary>
    /// <param name="clock">The clock the lifetime is measured on.</param>
    /// <param name="lifetime">How long a read value is served before the next call reads again.</param>
    public CachedSnapshot(TimeProvider clock, TimeSpan lifetime)
    {
        _clock = clock;
        _lifetime = lifetime;
    }

    /// <summary>
    /// A snapshot that every node drops when one calls <see cref="InvalidateEverywhereAsync"/> (a message on
    /// <paramref name="topic"/>; a node told it may have missed messages drops it too).
    /// </summary>
    /// <param name="clock">The clock the lifetime is measured on.</param>
    /// <param name="lifetime">How long a read value is served before the next call reads again (the bound should a message be lost).</param>
    /// <param name="bus">The mall's cluster bus.</param>
    /// <param name="topic">The topic its invalidations travel on, e.g. <c>mall.promotions</c>.</param>
    public CachedSnapshot(TimeProvider clock, TimeSpan lifetime, Clustering.IClusterBus bus, string topic) : this(clock, lifetime)
    {
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentException.ThrowIfNullOrEmpty(topic);
        _bus = bus;
        _topic = topic;
        _subscription = bus.Subscribe(topic, (_, _) =>
        {
            Invalidate();
            return Task.CompletedTask;
        });
    }

    /// <summary>The kept value, or the value <paramref name="read"/> answers when none is kept or it is older than the lifetime.</summary>
    public async Task<T> GetAsync(Func<CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        var entry = _entry;
        if (entry is not null && _clock.GetUtcNow() - entry.ReadAt < _lifetime) return entry.Value;
        var version = Interlocked.Read(ref _version);
        var value = await read(cancellationToken).ConfigureAwait(false);
        if (Interlocked.Read(ref _version) == version) _entry = new Entry(value, _clock.GetUtcNow());
        return value;
    }

    /// <summary>Forgets the kept value: the next <see cref="GetAsync"/> reads, and a read running now is not kept.</summary>
    public void Invalidate()
    {
        Interlocked.Increment(ref _version);
        _entry = null;
    }

    /// <summary>Forgets the kept value here and, for a snapshot made with a cluster bus, on every other node.</summary>
    public Task InvalidateEverywhereAsync()
    {
        Invalidate();
        return _bus is null ? Task.CompletedTask : _bus.PublishAsync(_topic!, "", CancellationToken.None);
    }

    /// <summary>Stops listening for other nodes' invalidations.</summary>
    public void Dispose() => _subscription?.Dispose();

    private sealed record Entry(T Value, DateTimeOffset ReadAt);
}
