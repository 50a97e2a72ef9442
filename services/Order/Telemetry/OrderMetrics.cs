using System.Diagnostics.Metrics;
using Commerce.Order.Data;

namespace Commerce.Order.Telemetry;

/// <summary>
/// What operators watch for orders (meter <c>Commerce.Order</c>): lock wait and outcome, orders by status, saga step
/// durations and write conflicts, the outbox backlog and the Pending orders admission counts. Prometheus names: commerce_order_lock_wait_seconds, commerce_orders_total, ...
/// </summary>
public sealed class OrderMetrics
{
    public const string MeterName = "Commerce.Order";

    // OpenTelemetry's default buckets (0, 5, 10, 25 … 10,000) are shaped for milliseconds: in seconds everything under
    // 5 s fell into one bucket and p95 read 4.75 s on the dashboard whatever the real wait was.
    private static readonly InstrumentAdvice<double> Seconds = new()
    {
        HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    };

    private readonly Histogram<double> lockWait;
    private readonly Counter<long> orders;
    private readonly Histogram<double> stepDuration;
    private readonly Histogram<double> orderDuration;
    private readonly Counter<long> sagaWriteConflicts;

    public OrderMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        lockWait = meter.CreateHistogram("commerce.order.lock.wait", "s", "Time to acquire the order lock (or to give up).", advice: Seconds);
        orders = meter.CreateCounter<long>("commerce.orders", "{order}", "Orders placed, completed and rejected.");
        stepDuration = meter.CreateHistogram("commerce.order.saga.step.duration", "s", "How long each saga step took.", advice: Seconds);
        orderDuration = meter.CreateHistogram("commerce.order.completion.duration", "s", "From placing an order to its final state.", advice: Seconds);
        sagaWriteConflicts = meter.CreateCounter<long>(
            "commerce.order.saga.write.conflicts", "{answer}", "Saga answers that found their order changed since they read it, and decided again.");
        meter.CreateObservableGauge("commerce.outbox.backlog", () => OutboxBacklog, "{message}", "Committed messages not yet published.");
        meter.CreateObservableGauge("commerce.orders.pending", () => PendingOrders, "{order}", "Orders placed and not yet final (the admission limit's count).");
    }

    public long OutboxBacklog { get; set; }

    public long PendingOrders { get; set; }

    public void LockAcquired(TimeSpan waited) => lockWait.Record(waited.TotalSeconds, new KeyValuePair<string, object?>("outcome", "acquired"));

    public void LockBusy(TimeSpan waited) => lockWait.Record(waited.TotalSeconds, new KeyValuePair<string, object?>("outcome", "busy"));

    /// <summary>A new order turned away with 503 because too many were Pending for the whole wait budget.</summary>
    public void OrderTurnedAway() => orders.Add(1, new KeyValuePair<string, object?>("status", "turned_away"));

    public void OrderPlaced() => orders.Add(1, new KeyValuePair<string, object?>("status", "placed"));

    public void OrderFinished(string status, string? reason, TimeSpan took)
    {
        orders.Add(1, new KeyValuePair<string, object?>("status", status.ToLowerInvariant()), new KeyValuePair<string, object?>("reason", reason ?? ""));
        orderDuration.Record(took.TotalSeconds, new KeyValuePair<string, object?>("status", status.ToLowerInvariant()));
    }

    public void SagaWriteConflicted() => sagaWriteConflicts.Add(1);

    public void StepFinished(OrderStep step, TimeSpan took) =>
        stepDuration.Record(took.TotalSeconds, new KeyValuePair<string, object?>("step", step.ToString()));
}
