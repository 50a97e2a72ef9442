using Commerce.Contracts;
using Commerce.ServiceDefaults.Messaging;
using MassTransit;

namespace Commerce.Stock.Reservations;

/// <summary>Puts the stock a rejected order took back on sale (compensation), then confirms it to the saga (a redelivery confirms again).</summary>
public sealed class ReleaseStockConsumer(StockLedger ledger) : IConsumer<ReleaseStock>
{
    public async Task Consume(ConsumeContext<ReleaseStock> context)
    {
        await ledger.ReleaseAsync(context.Message.OrderId, context.CancellationToken);
        await context.PublishConfirmedAsync(new StockReleased(context.Message.OrderId), context.CancellationToken);
    }
}
