using Mall.Web.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mall.Web.Tests.Plugins;

/// <summary>The application's Autofac root keeps Microsoft.Extensions.DependencyInjection's meaning of open generics.</summary>
public class MallContainerFactoryTests
{
    public interface IBox<T>
    {
        string Name { get; }
    }

    public sealed class OpenBox<T> : IBox<T>
    {
        public string Name => $"open {typeof(T).Name}";
    }

    public sealed class IntBox : IBox<int>
    {
        public string Name => "closed Int32";
    }

    [Fact]
    public void Open_generics_close_for_host_types_with_their_lifetime_and_a_closed_registration_wins()
    {
        var services = new ServiceCollection();
        services.AddSingleton(typeof(IBox<>), typeof(OpenBox<>));
        services.AddSingleton<IBox<int>, IntBox>();
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        var factory = new MallContainerFactory();
        using var provider = (IDisposable)factory.CreateServiceProvider(factory.CreateBuilder(services));
        var sp = (IServiceProvider)provider;
        Assert.Equal("open String", sp.GetRequiredService<IBox<string>>().Name);
        Assert.Same(sp.GetRequiredService<IBox<string>>(), sp.GetRequiredService<IBox<string>>());   // a singleton
        Assert.Equal("closed Int32", sp.GetRequiredService<IBox<int>>().Name);
        Assert.NotNull(sp.GetRequiredService<ILogger<MallContainerFactoryTests>>());
    }
}
