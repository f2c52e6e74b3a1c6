using Autofac;
using Autofac.Builder;
using Autofac.Core;
using Autofac.Core.Activators.Reflection;
using Autofac.Core.Lifetime;
using Autofac.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;

namespace Mall.Web.Plugins;

/// <summary>
/// The application's Autofac root, built so that plugin scopes under it leave nothing behind: the root's open generic
/// services (<c>ILogger&lt;&gt;</c>, the options family, …) are served by a source that never closes them over a type
/// of a collectible (plugin) assembly. Autofac keeps every registration a parent derives for a child's lookup, and
/// one closed over a plugin type would keep that plugin's load context alive; plugin scopes register their own.
/// </summary>
internal sealed class MallContainerFactory : IServiceProviderFactory<ContainerBuilder>
{
    private readonly AutofacServiceProviderFactory _inner = new();

    public ContainerBuilder CreateBuilder(IServiceCollection services)
    {
        var openGenerics = services.Where(d => d.ServiceType.IsGenericTypeDefinition && d.ImplementationType is not null && !d.IsKeyedService).ToList();
        var rest = new ServiceCollection();
        foreach (var descriptor in services.Except(openGenerics)) ((ICollection<ServiceDescriptor>)rest).Add(descriptor);
        var builder = _inner.CreateBuilder(rest);
        foreach (var descriptor in openGenerics) builder.RegisterSource(new HostOpenGenericSource(descriptor));
        return builder;
    }

    public IServiceProvider CreateServiceProvider(ContainerBuilder containerBuilder) => _inner.CreateServiceProvider(containerBuilder);

    private sealed class HostOpenGenericSource(ServiceDescriptor descriptor) : IRegistrationSource
    {
        // Marks the registrations this source derives, apart from the application's own closed ones.
        private const string Marker = "mall.host-open-generic";

        public bool IsAdapterForIndividualComponents => false;

        public IEnumerable<IComponentRegistration> RegistrationsFor(Service service, Func<Service, IEnumerable<ServiceRegistration>> registrationAccessor)
        {
            if (service is not IServiceWithType { ServiceType: { IsGenericType: true } type } || type.GetGenericTypeDefinition() != descriptor.ServiceType) return [];
            // As in Microsoft.Extensions.DependencyInjection, a closed registration of the same service wins over the
            // open generic one.
            if (registrationAccessor(service).Any(r => !r.Registration.Metadata.ContainsKey(Marker))) return [];
            var arguments = type.GetGenericArguments();
            if (arguments.Any(Collectible)) return [];
            Type implementation;
            try
            {
                implementation = descriptor.ImplementationType!.MakeGenericType(arguments);
            }
            catch (ArgumentException)
            {
                return [];   // constraints not met: not this component
            }
            var registration = RegistrationBuilder.ForType(implementation).As(service).WithMetadata(Marker, true);
            switch (descriptor.Lifetime)
            {
                case ServiceLifetime.Singleton: registration.SingleInstance(); break;
                case ServiceLifetime.Scoped: registration.InstancePerLifetimeScope(); break;
                default: registration.InstancePerDependency(); break;
            }
            return [RegistrationBuilder.CreateRegistration(registration)];
        }

        private static bool Collectible(Type type) =>
            type.Assembly.IsCollectible || (type.IsGenericType && type.GetGenericArguments().Any(Collectible)) || (type.HasElementType && Collectible(type.GetElementType()!));
    }
}
