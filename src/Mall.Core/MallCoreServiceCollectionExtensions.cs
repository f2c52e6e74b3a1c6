using Mall;
using Mall.Catalog;
using Mall.Catalog.Services;
using Mall.Data;
using Mall.Data.Migrations;
using Mall.Events;
using Mall.Inventory;
using Mall.Inventory.Services;
using Mall.Ordering;
using Mall.Ordering.Services;
using Mall.Carts;
using Mall.Carts.Services;
using Mall.Checkout;
using Mall.Checkout.Services;
using Mall.Customers;
using Mall.Customers.Services;
using Mall.Payments;
using Mall.Payments.Services;
using Mall.Plugins;
using Mall.Security;
using Mall.Security.Services;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Mall core services.</summary>
public static class MallCoreServiceCollectionExtensions
{
    /// <summary>
    /// Adds the core services (database access, migrations, catalog, inventory, orders, in-process domain events).
    /// Background jobs are the host's to add (<see cref="AddMallCoreJobs"/>); the web host's <c>AddMall</c> does.
    /// A database provider must be registered too (<c>Mall.Data.*</c>); the web host's <c>AddMall</c> does both.
    /// </summary>
    public static IServiceCollection AddMallCore(this IServiceCollection services)
    {
        // Every setting is checked when the host starts; a bad one stops it with a message naming it.
        services.AddOptions<MallOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Options.IValidateOptions<MallOptions>, MallOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<Mall.Diagnostics.MallMetrics>();
        services.TryAddSingleton(sp => new Mall.Clustering.MallNode(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<MallOptions>>().Value.NodeId));
        services.TryAddSingleton<Mall.Clustering.IClusterBus, Mall.Clustering.InProcessClusterBus>();
        services.TryAddSingleton<Mall.Jobs.IJobLeases, Mall.Jobs.DatabaseJobLeases>();
        services.AddHybridCache();
        services.TryAddSingleton<Mall.Catalog.Services.CatalogCache>();
        services.TryAddSingleton<IMallDatabase, MallDatabase>();
        services.TryAddSingleton<MigrationRunner>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMigrationSource, CoreMigrations>());
        services.TryAddSingleton<IExtensionRegistry, HostExtensionRegistry>();
        services.TryAddSingleton<IDomainEventDispatcher, InProcessDomainEventDispatcher>();
        services.TryAddSingleton<ICategoryService, CategoryService>();
        services.TryAddSingleton<IBrandService, BrandService>();
        services.TryAddSingleton<IProductService, ProductService>();
        services.TryAddSingleton<IInventoryService, InventoryService>();
        services.TryAddSingleton<IOrderService, OrderService>();
        services.TryAddSingleton<IOrderReportService, OrderReportService>();
        services.TryAddSingleton<ICustomerService, CustomerService>();
        services.TryAddSingleton<ICartService, CartService>();
        services.TryAddSingleton<ICheckoutService, CheckoutService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ICheckoutStep, ShippingCheckoutStep>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ICheckoutStep, PromotionCheckoutStep>());
        services.TryAddSingleton<IAdminAccountService, AdminAccountService>();
        services.TryAddSingleton<IApiKeyService, Mall.Security.Services.ApiKeyService>();
        services.TryAddSingleton<Mall.Auditing.IAuditContext, Mall.Auditing.Services.NoAuditContext>();
        services.TryAddSingleton<Mall.Security.IRateLimitCounter, Mall.Security.LocalRateLimitCounter>();
        services.TryAddSingleton<Mall.Auditing.IAuditLog, Mall.Auditing.Services.AuditLog>();
        services.TryAddSingleton<Mall.Outbox.Services.OutboxSignal>();
        services.TryAddSingleton<Mall.Outbox.IOutbox, Mall.Outbox.Services.OutboxWriter>();
        services.TryAddSingleton<Mall.Outbox.Services.OutboxStore>();
        services.TryAddSingleton<Mall.Webhooks.Services.WebhookSender>();
        services.TryAddSingleton<Mall.Webhooks.IWebhookService, Mall.Webhooks.Services.WebhookService>();
        services.TryAddSingleton<PaymentService>();
        services.TryAddSingleton<IPaymentService>(sp => sp.GetRequiredService<PaymentService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Mall.Events.IDomainEventHandler<OrderStatusChangedEvent>, CloseUnpaidPaymentsOnCancel>());
        services.TryAddSingleton<Mall.Promotions.Services.PromotionShopperReader>();
        services.TryAddSingleton<Mall.Promotions.Services.PromotionService>();
        services.TryAddSingleton<Mall.Promotions.IPromotionService>(sp => sp.GetRequiredService<Mall.Promotions.Services.PromotionService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Mall.Promotions.IPromotionEvaluator, Mall.Promotions.Services.RulePromotionEvaluator>());
        // Coupons apply after promotions, on what the promotions left (evaluators run in registration order).
        services.TryAddSingleton<Mall.Coupons.Services.CouponService>();
        services.TryAddSingleton<Mall.Coupons.ICouponService>(sp => sp.GetRequiredService<Mall.Coupons.Services.CouponService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Mall.Promotions.IPromotionEvaluator, Mall.Coupons.Services.CouponPromotionEvaluator>());
        services.TryAddSingleton<Mall.Shipping.Services.FreightTemplateService>();
        services.TryAddSingleton<Mall.Shipping.IFreightTemplateService>(sp => sp.GetRequiredService<Mall.Shipping.Services.FreightTemplateService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Mall.Shipping.IShippingRateProvider, Mall.Shipping.Services.FreightTemplateShippingProvider>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPaymentProvider, Mall.Payments.Providers.BalancePaymentProvider>());
        return services;
    }

    /// <summary>
    /// Adds the core's background jobs (the unpaid-order timeout, <see cref="OrderingOptions"/>; the refund of late payments, <see cref="MallPaymentOptions.LateRefundInterval"/>; the outbox and webhook dispatcher, <see cref="Mall.Webhooks.WebhookOptions"/>). The web host's
    /// <c>AddMall</c> calls it; a host of its own calls it on the node(s) that should run them.
    /// </summary>
    public static IServiceCollection AddMallCoreJobs(this IServiceCollection services)
    {
        services.AddHostedService<UnpaidOrderCanceller>();
        services.AddHostedService<Mall.Payments.Services.LatePaymentRefunder>();
        services.AddHostedService<Mall.Webhooks.Services.WebhookDispatcher>();
        return services;
    }
}
