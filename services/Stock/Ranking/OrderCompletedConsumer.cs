using Commerce.Contracts;
using MassTransit;

namespace Commerce.Stock.Ranking;

/// <summary>Adds a completed order's quantities to the sales ranking, once per order.</summary>
public sealed class OrderCompletedConsumer(SalesRanking ranking) : IConsumer<OrderCompleted>
{
    public Task Consume(ConsumeContext<OrderCompleted> context) =>
        ranking.CountAsync(context.Message.OrderId, context.Message.Lines, context.CancellationToken);
}

/// <summary>Stock's own queue for OrderCompleted, with longer retry than the bus-wide one: a Redis restart takes seconds.</summary>
public sealed class OrderCompletedConsumerDefinition : ConsumerDefinition<OrderCompletedConsumer>
{
    // Notification consumes OrderCompleted too: the default name ("order-completed") would make the two services
    // compete on one queue, each seeing only some of the orders. Each service needs its own queue.
    public OrderCompletedConsumerDefinition() => EndpointName = "stock-ranking-order-completed";

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<OrderCompletedConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        // The count is committed before Redis is written, and a retry only sends the same totals again: retrying is
        // safe, and keeps a short Redis outage from parking the order in _error with the ranking behind.
        consumerConfigurator.UseMessageRetry(retry => retry.Intervals(
            TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10)));
    }
}
