using Commerce.Contracts;
using Commerce.ServiceDefaults.Messaging;
using MassTransit;

namespace Commerce.Wallet.Reservations;

/// <summary>Takes the money held for a completed order, then confirms it to the saga (a redelivery confirms again).</summary>
public sealed class CaptureFundsConsumer(WalletLedger ledger) : IConsumer<CaptureFunds>
{
    public async Task Consume(ConsumeContext<CaptureFunds> context)
    {
        await ledger.CaptureAsync(context.Message.OrderId, context.CancellationToken);
        await context.PublishConfirmedAsync(new FundsCaptured(context.Message.OrderId), context.CancellationToken);
    }
}
