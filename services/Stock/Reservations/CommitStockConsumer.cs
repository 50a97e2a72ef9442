using Commerce.Contracts;
using MassTransit;

namespace Commerce.Stock.Reservations;

/// <summary>Moves a completed order's reserved stock to sold; the saga expects no answer.</summary>
public sealed class CommitStockConsumer(StockLedger ledger) : IConsumer<CommitStock>
{
    public Task Consume(ConsumeContext<CommitStock> context) =>
        ledger.CommitAsync(context.Message.OrderId, context.CancellationToken);
}
