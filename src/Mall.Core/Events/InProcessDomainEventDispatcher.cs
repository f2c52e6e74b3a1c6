using Microsoft.Extensions.Logging;

namespace Mall.Events;

/// <summary>
/// Delivers events in-process to the handlers registered in the container, one after another. A handler's
/// exception is logged and the next handler still runs.
/// </summary>
public sealed class InProcessDomainEventDispatcher(IServiceProvider services, ILogger<InProcessDomainEventDispatcher> logger) : IDomainEventDispatcher
{
    /// <inheritdoc />
    public async Task DispatchAsync<TEvent>(TEvent domainEvent, CancellationToken cancellationToken = default) where TEvent : IDomainEvent
    {
        // Handlers are resolved per event because plugins add and remove them at run time.
        if (services.GetService(typeof(IEnumerable<IDomainEventHandler<TEvent>>)) is not IEnumerable<IDomainEventHandler<TEvent>> handlers) return;
        foreach (var handler in handlers)
        {
            try
            {
                await handler.HandleAsync(domainEvent, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Domain event handler {Handler} failed for {Event}.", handler.GetType().FullName, typeof(TEvent).Name);
            }
        }
    }
}
