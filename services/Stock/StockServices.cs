using Commerce.Stock.Products;
using Commerce.Stock.Ranking;
using Commerce.Stock.Reservations;
using MassTransit;

namespace Commerce.Stock;

/// <summary>The Stock service's own parts: the ledger that changes stock, product reads, the ranking and their consumers.</summary>
public static class StockServices
{
    public static IHostApplicationBuilder AddStockServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<StockMetrics>();
        builder.Services.AddSingleton<StockLedger>();
        builder.Services.AddSingleton<ProductCatalog>();
        builder.Services.AddSingleton<SalesRanking>();
        builder.Services.AddHostedService<RankingRebuildOnStart>();
        return builder;
    }

    public static void AddStockConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<ReserveStockConsumer>();
        bus.AddConsumer<ReleaseStockConsumer>();
        bus.AddConsumer<OrderCompletedConsumer, OrderCompletedConsumerDefinition>();
    }
}
