using System.Diagnostics.Metrics;

namespace Commerce.Wallet.Reservations;

/// <summary>The <c>Commerce.Wallet</c> meter: how fund reservations end.</summary>
public sealed class WalletMetrics
{
    public const string MeterName = "Commerce.Wallet";

    private readonly Counter<long> reservations;

    public WalletMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        reservations = meter.CreateCounter<long>(
            "commerce.wallet.reservations", unit: "{reservation}",
            description: "ReserveFunds messages handled, by outcome (reserved, insufficient_funds, duplicate).");
    }

    public void Reservation(string outcome) => reservations.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
}
