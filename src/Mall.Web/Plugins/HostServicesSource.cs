using Autofac;
using Autofac.Builder;
using Autofac.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Mall.Web.Plugins;

/// <summary>
/// The host provider a plugin scope resolves host services from: one per plugin scope, the host root by default,
/// set to the request's host scope for an HTTP request so that scoped host services resolve as they do in the host.
/// </summary>
internal sealed class HostServices
{
    public IServiceProvider? Provider { get; set; }
}

/// <summary>
/// Lets a plugin's scope reach host services it did not register itself. Nothing is registered in the host:
/// each resolve asks the host provider of the current scope, and the host owns what it returns.
/// </summary>
internal sealed class HostServicesSource(IServiceProviderIsService hostIsService) : IRegistrationSource
{
    public bool IsAdapterForIndividualComponents => false;

    public IEnumerable<IComponentRegistration> RegistrationsFor(Service service, Func<Service, IEnumerable<ServiceRegistration>> registrationAccessor)
    {
        if (service is not TypedService typed) return [];
        var type = typed.ServiceType;
        // Collections are Autofac's to compose; types of the plugin itself must never be handed to the host's
        // container, whose caches would then keep the plugin alive (IOptions<PluginType>, for example).
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>)) return [];
        if (InvolvesCollectibleType(type) || type == typeof(ILifetimeScope) || type == typeof(IComponentContext)) return [];
        if (registrationAccessor(service).Any() || !hostIsService.IsService(type)) return [];
        return
        [
            RegistrationBuilder.ForDelegate(type, (context, _) => context.Resolve<HostServices>().Provider!.GetRequiredService(type))
                .As(service)
                .ExternallyOwned()
                .CreateRegistration(),
        ];
    }

    private static bool InvolvesCollectibleType(Type type) =>
        type.Assembly.IsCollectible || (type.IsGenericType && type.GetGenericArguments().Any(InvolvesCollectibleType));
}
