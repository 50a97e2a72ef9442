using Commerce.Contracts;
using Commerce.ServiceDefaults.Messaging;
using MassTransit;

namespace Commerce.Wallet.Reservations;

/// <summary>Gives the money a rejected order took back (compensation), then confirms it to the saga (a redelivery confirms again).</summary>
public sealed class ReleaseFundsConsumer(WalletLedger ledger) : IConsumer<ReleaseFunds>
{
    public async Task Consume(ConsumeContext<ReleaseFunds> context)
    {
        await ledger.ReleaseAsync(context.Message.OrderId, context.CancellationToken);
        await context.PublishConfirmedAsync(new FundsReleased(context.Message.OrderId), context.CancellationToken);
    }
}
