using Commerce.Contracts;
using Commerce.ServiceDefaults.Messaging;
using MassTransit;

namespace Commerce.Stock.Reservations;

/// <summary>Moves a completed order's reserved stock to sold, then confirms it to the saga (a redelivery confirms again).</summary>
public sealed class CommitStockConsumer(StockLedger ledger) : IConsumer<CommitStock>
{
    public async Task Consume(ConsumeContext<CommitStock> context)
    {
        await ledger.CommitAsync(context.Message.OrderId, context.CancellationToken);
        await context.PublishConfirmedAsync(new StockCommitted(context.Message.OrderId), context.CancellationToken);
    }
}
