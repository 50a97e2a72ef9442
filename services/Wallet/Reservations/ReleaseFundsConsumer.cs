using Commerce.Contracts;
using Commerce.ServiceDefaults.Messaging;
using MassTransit;

namespace Commerce.Wallet.Reservations;

/// <summary>Frees the money held for a rejected order (compensation), then confirms it to the saga (a redelivery confirms again).</summary>
public sealed class ReleaseFundsConsumer(WalletLedger ledger) : IConsumer<ReleaseFunds>
{
    public async Task Consume(ConsumeContext<ReleaseFunds> context)
    {
        await ledger.ReleaseAsync(context.Message.OrderId, context.CancellationToken);
        await context.PublishConfirmedAsync(new FundsReleased(context.Message.OrderId), context.CancellationToken);
    }
}
