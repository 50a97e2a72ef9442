using Commerce.Contracts;
using MassTransit;

namespace Commerce.Stock.Ranking;

/// <summary>Adds a completed order's quantities to the sales ranking, once per order.</summary>
public sealed class OrderCompletedConsumer(SalesRanking ranking) : IConsumer<OrderCompleted>
{
    public Task Consume(ConsumeContext<OrderCompleted> context) =>
        ranking.CountAsync(context.Message.OrderId, context.Message.Lines, context.CancellationToken);
}

/// <summary>Gives a completed order longer to be counted than the bus-wide retry: a Redis restart takes seconds.</summary>
public sealed class OrderCompletedConsumerDefinition : ConsumerDefinition<OrderCompletedConsumer>
{
    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<OrderCompletedConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        // Nothing is counted until Redis took the increment, so retrying is safe; parking it in _error would leave
        // the ranking short until someone moved it back.
        consumerConfigurator.UseMessageRetry(retry => retry.Intervals(
            TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10)));
    }
}
