using Commerce.Contracts;
using MassTransit;

namespace Commerce.Stock.Reservations;

/// <summary>Puts a rejected order's reserved stock back on sale (compensation); the saga expects no answer.</summary>
public sealed class ReleaseStockConsumer(StockLedger ledger) : IConsumer<ReleaseStock>
{
    public Task Consume(ConsumeContext<ReleaseStock> context) =>
        ledger.ReleaseAsync(context.Message.OrderId, context.CancellationToken);
}
