using Commerce.Wallet.Reservations;
using MassTransit;

namespace Commerce.Wallet;

/// <summary>The Wallet service's own parts: the ledger that changes wallets and the saga consumers that drive it.</summary>
public static class WalletServices
{
    public static IHostApplicationBuilder AddWalletServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<WalletMetrics>();
        builder.Services.AddSingleton<WalletLedger>();
        return builder;
    }

    public static void AddWalletConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<ReserveFundsConsumer>();
        bus.AddConsumer<ReleaseFundsConsumer>();
    }
}
