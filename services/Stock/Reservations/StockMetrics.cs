using System.Diagnostics.Metrics;

namespace Commerce.Stock.Reservations;

/// <summary>The <c>Commerce.Stock</c> meter: how reservations end, so a dashboard shows sell-outs and redeliveries.</summary>
public sealed class StockMetrics
{
    public const string MeterName = "Commerce.Stock";

    private readonly Counter<long> reservations;

    public StockMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        reservations = meter.CreateCounter<long>(
            "commerce.stock.reservations", unit: "{reservation}",
            description: "ReserveStock messages handled, by outcome (reserved, insufficient_stock, unknown_product, duplicate).");
    }

    public void Reservation(string outcome) => reservations.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
}
