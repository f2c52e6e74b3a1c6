using Mall.Plugins;
using Microsoft.Extensions.Logging;

namespace Mall.Events;

/// <summary>
/// Delivers events in-process to the handlers of the host's container and of enabled plugins, one after another.
/// A handler's exception is logged (and recorded against its plugin) and the next handler still runs.
/// </summary>
public sealed class InProcessDomainEventDispatcher(IExtensionRegistry extensions, ILogger<InProcessDomainEventDispatcher> logger) : IDomainEventDispatcher
{
    /// <inheritdoc />
    public async Task DispatchAsync<TEvent>(TEvent domainEvent, CancellationToken cancellationToken = default) where TEvent : IDomainEvent
    {
        // Looked up per event because plugins add and remove handlers at run time; the lease keeps them loaded meanwhile.
        using var handlers = extensions.Acquire<IDomainEventHandler<TEvent>>();
        foreach (var (handler, pluginId) in handlers.Items)
        {
            try
            {
                await handler.HandleAsync(domainEvent, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Domain event handler {Handler} failed for {Event}.", handler.GetType().FullName, typeof(TEvent).Name);
                if (pluginId is not null) extensions.ReportFailure(pluginId, ex);
            }
        }
    }
}
