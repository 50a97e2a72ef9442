using Commerce.Contracts;
using Commerce.ServiceDefaults.Messaging;
using MassTransit;

namespace Commerce.Stock.Reservations;

/// <summary>Takes an order's lines for good and answers the saga; a redelivery answers the same again.</summary>
public sealed class ReserveStockConsumer(StockLedger ledger) : IConsumer<ReserveStock>
{
    public async Task Consume(ConsumeContext<ReserveStock> context)
    {
        var orderId = context.Message.OrderId;
        var outcome = await ledger.ReserveAsync(orderId, context.Message.Lines, context.CancellationToken);
        if (outcome.Lines is { } lines)
        {
            await context.PublishConfirmedAsync(new StockReserved(orderId, lines), context.CancellationToken);
        }
        else
        {
            await context.PublishConfirmedAsync(new StockReservationFailed(orderId, outcome.FailureReason!), context.CancellationToken);
        }
    }
}
