using Commerce.Contracts;
using Commerce.ServiceDefaults.Messaging;
using MassTransit;

namespace Commerce.Stock.Reservations;

/// <summary>Puts a rejected order's reserved stock back on sale (compensation), then confirms it to the saga (a redelivery confirms again).</summary>
public sealed class ReleaseStockConsumer(StockLedger ledger) : IConsumer<ReleaseStock>
{
    public async Task Consume(ConsumeContext<ReleaseStock> context)
    {
        await ledger.ReleaseAsync(context.Message.OrderId, context.CancellationToken);
        await context.PublishConfirmedAsync(new StockReleased(context.Message.OrderId), context.CancellationToken);
    }
}
