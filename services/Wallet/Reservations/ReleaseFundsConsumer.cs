using Commerce.Contracts;
using MassTransit;

namespace Commerce.Wallet.Reservations;

/// <summary>Frees the money held for a rejected order (compensation); the saga expects no answer.</summary>
public sealed class ReleaseFundsConsumer(WalletLedger ledger) : IConsumer<ReleaseFunds>
{
    public Task Consume(ConsumeContext<ReleaseFunds> context) =>
        ledger.ReleaseAsync(context.Message.OrderId, context.CancellationToken);
}
