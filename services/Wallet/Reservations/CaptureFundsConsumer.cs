using Commerce.Contracts;
using MassTransit;

namespace Commerce.Wallet.Reservations;

/// <summary>Takes the money held for a completed order; the saga expects no answer.</summary>
public sealed class CaptureFundsConsumer(WalletLedger ledger) : IConsumer<CaptureFunds>
{
    public Task Consume(ConsumeContext<CaptureFunds> context) =>
        ledger.CaptureAsync(context.Message.OrderId, context.CancellationToken);
}
