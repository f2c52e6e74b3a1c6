namespace Mall.Events;

/// <summary>Marker of a domain event: something that happened in the mall that other parts may react to.</summary>
public interface IDomainEvent
{
    /// <summary>When it happened (UTC).</summary>
    DateTimeOffset OccurredAt { get; }
}

/// <summary>
/// Reacts to a domain event. Register implementations in the service collection (plugins in their own scope).
/// Handlers run after the change that raised the event has been committed; a failing handler is logged and does
/// not undo the change or stop other handlers.
/// </summary>
public interface IDomainEventHandler<in TEvent> where TEvent : IDomainEvent
{
    /// <summary>Handles the event.</summary>
    Task HandleAsync(TEvent domainEvent, CancellationToken cancellationToken);
}

/// <summary>Delivers domain events to their handlers.</summary>
public interface IDomainEventDispatcher
{
    /// <summary>Delivers one event to every handler of its type.</summary>
    Task DispatchAsync<TEvent>(TEvent domainEvent, CancellationToken cancellationToken = default) where TEvent : IDomainEvent;
}
