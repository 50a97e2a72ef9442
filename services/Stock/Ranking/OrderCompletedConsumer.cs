using Commerce.Contracts;
using MassTransit;

namespace Commerce.Stock.Ranking;

/// <summary>Adds a completed order's quantities to the sales ranking, once per order.</summary>
public sealed class OrderCompletedConsumer(SalesRanking ranking) : IConsumer<OrderCompleted>
{
    public Task Consume(ConsumeContext<OrderCompleted> context) =>
        ranking.CountAsync(context.Message.OrderId, context.Message.Lines, context.CancellationToken);
}
