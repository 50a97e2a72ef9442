using Commerce.Order.Data;
using Commerce.Order.Outbox;
using Commerce.Order.Placing;
using Commerce.Order.Reading;
using Commerce.Order.Saga;
using Commerce.Order.Telemetry;
using Commerce.ServiceDefaults.Data;
using Commerce.ServiceDefaults.Messaging;

namespace Commerce.Order;

public static class OrderServiceRegistration
{
    /// <summary>The Order service: its database, the per-user lock, admission by Pending orders, prices read from Stock at placement, the saga with its outbox relay and timeout sweeper.</summary>
    public static WebApplicationBuilder AddOrderService(this WebApplicationBuilder builder)
    {
        builder.AddServiceDatabase<OrderDbContext>("orderdb");
        builder.AddServiceRedis();
        builder.Services.Configure<OrderLockOptions>(builder.Configuration.GetSection("Orders"));
        builder.Services.Configure<SagaOptions>(builder.Configuration.GetSection("Orders"));
        builder.Services.Configure<AdmissionOptions>(builder.Configuration.GetSection("Orders"));
        builder.Services.Configure<PriceReadOptions>(builder.Configuration.GetSection("Orders"));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<OrderMetrics>();
        builder.Services.AddSingleton<PerUserOrderLock>();
        builder.Services.AddSingleton<OrderAdmission>();
        builder.Services.AddHostedService<PendingOrdersCounter>();
        builder.Services.AddScoped<OrderPlacement>();
        // The AppHost's reference to Stock gives its address (services__stock__http__0); service discovery resolves it.
        // No retries or circuit breaker (ServiceDefaults gives every client both): a read that fails falls back at once,
        // a retry would not fit in its budget (250 ms by default), and the pipeline logged every cancelled read with its
        // stack trace.
        // RemoveAllResilienceHandlers is the library's own way; 10.11 still marks it "for evaluation" (EXTEXP0001).
        // No request logs either: the factory's four Information lines per read were more work than the read.
#pragma warning disable EXTEXP0001
        builder.Services.AddHttpClient<ProductPrices>(stock => stock.BaseAddress = new Uri("http://stock"))
            .RemoveAllResilienceHandlers()
            .RemoveAllLoggers();
#pragma warning restore EXTEXP0001
        builder.Services.AddScoped<OrderSagaStore>();
        builder.Services.AddSingleton<OutboxRelay>();
        builder.Services.AddHostedService(services => services.GetRequiredService<OutboxRelay>());
        builder.Services.AddHostedService<StepTimeoutSweeper>();
        builder.AddRabbitMqMessaging(bus =>
        {
            bus.AddConsumer<StockReservedConsumer>();
            bus.AddConsumer<StockReservationFailedConsumer>();
            bus.AddConsumer<CouponRedeemedConsumer>();
            bus.AddConsumer<CouponRedemptionFailedConsumer>();
            bus.AddConsumer<FundsReservedConsumer>();
            bus.AddConsumer<FundsReservationFailedConsumer>();
            bus.AddConsumer<SettlementConsumer>();
        });
        return builder;
    }

    public static WebApplication MapOrderApi(this WebApplication app)
    {
        var orders = app.MapGroup("/api/orders").RequireAuthorization();
        orders.MapPlaceOrder();
        orders.MapOrderQueries();
        return app;
    }
}
