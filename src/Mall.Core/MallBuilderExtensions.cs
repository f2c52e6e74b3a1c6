using Mall;
using Mall.Checkout;
using Mall.Events;
using Mall.Ordering;
using Mall.Payments;
using Mall.Promotions;
using Mall.Shipping;
using Mall.Themes;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// The host app's own extensions, registered on what <c>AddMall()</c> returns: the same extension points plugins
/// implement, compiled into the app instead (singletons; the host's are used next to the enabled plugins').
/// </summary>
/// <example><code>
/// builder.AddMall()
///     .AddPaymentProvider&lt;MyBankPayments&gt;()
///     .AddShippingRateProvider&lt;CityCourierRates&gt;()
///     .AddDomainEventHandler&lt;OrderPlacedEvent, NotifyWarehouse&gt;();
/// </code></example>
public static class MallBuilderExtensions
{
    /// <summary>Adds a payment method (<see cref="IPaymentProvider"/>).</summary>
    public static IMallBuilder AddPaymentProvider<TProvider>(this IMallBuilder mall) where TProvider : class, IPaymentProvider =>
        mall.Add<IPaymentProvider, TProvider>();

    /// <summary>Adds shipping rates (<see cref="IShippingRateProvider"/>; the cheapest answer applies).</summary>
    public static IMallBuilder AddShippingRateProvider<TProvider>(this IMallBuilder mall) where TProvider : class, IShippingRateProvider =>
        mall.Add<IShippingRateProvider, TProvider>();

    /// <summary>Adds a source of discounts (<see cref="IPromotionEvaluator"/>; evaluators run in registration order).</summary>
    public static IMallBuilder AddPromotionEvaluator<TEvaluator>(this IMallBuilder mall) where TEvaluator : class, IPromotionEvaluator =>
        mall.Add<IPromotionEvaluator, TEvaluator>();

    /// <summary>Adds a step of the checkout pipeline (<see cref="ICheckoutStep"/>, ordered by its <c>Order</c>).</summary>
    public static IMallBuilder AddCheckoutStep<TStep>(this IMallBuilder mall) where TStep : class, ICheckoutStep =>
        mall.Add<ICheckoutStep, TStep>();

    /// <summary>Adds a participant in order placement and transitions, inside their transactions (<see cref="IOrderParticipant"/>).</summary>
    public static IMallBuilder AddOrderParticipant<TParticipant>(this IMallBuilder mall) where TParticipant : class, IOrderParticipant =>
        mall.Add<IOrderParticipant, TParticipant>();

    /// <summary>Adds a handler of a domain event, raised after the change committed.</summary>
    public static IMallBuilder AddDomainEventHandler<TEvent, THandler>(this IMallBuilder mall)
        where TEvent : IDomainEvent where THandler : class, IDomainEventHandler<TEvent> =>
        mall.Add<IDomainEventHandler<TEvent>, THandler>();

    /// <summary>Adds a template engine for themes (<see cref="ITemplateEngine"/>, chosen by a theme's <c>engine</c>).</summary>
    public static IMallBuilder AddTemplateEngine<TEngine>(this IMallBuilder mall) where TEngine : class, ITemplateEngine =>
        mall.Add<ITemplateEngine, TEngine>();

    /// <summary>Adds a helper themes may call by name (<see cref="ITemplateHelper"/>).</summary>
    public static IMallBuilder AddTemplateHelper<THelper>(this IMallBuilder mall) where THelper : class, ITemplateHelper =>
        mall.Add<ITemplateHelper, THelper>();

    /// <summary>Changes Mall's options in code, after configuration (<c>Mall:</c>) is bound; validated at start-up like it.</summary>
    public static IMallBuilder Configure(this IMallBuilder mall, Action<MallOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(mall);
        mall.Services.Configure(configure);
        return mall;
    }

    private static IMallBuilder Add<TService, TImplementation>(this IMallBuilder mall) where TService : class where TImplementation : class, TService
    {
        ArgumentNullException.ThrowIfNull(mall);
        mall.Services.TryAddEnumerable(ServiceDescriptor.Singleton<TService, TImplementation>());
        return mall;
    }
}
