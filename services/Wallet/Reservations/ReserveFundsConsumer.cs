using Commerce.Contracts;
using Commerce.ServiceDefaults.Messaging;
using MassTransit;

namespace Commerce.Wallet.Reservations;

/// <summary>Takes an order's total from the user's wallet and answers the saga; a redelivery answers the same again.</summary>
public sealed class ReserveFundsConsumer(WalletLedger ledger) : IConsumer<ReserveFunds>
{
    public async Task Consume(ConsumeContext<ReserveFunds> context)
    {
        var message = context.Message;
        var outcome = await ledger.ReserveAsync(message.OrderId, message.UserId, message.Amount, context.CancellationToken);
        if (outcome.FailureReason is { } reason)
        {
            await context.PublishConfirmedAsync(new FundsReservationFailed(message.OrderId, reason), context.CancellationToken);
        }
        else
        {
            await context.PublishConfirmedAsync(new FundsReserved(message.OrderId), context.CancellationToken);
        }
    }
}
