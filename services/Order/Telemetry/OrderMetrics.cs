using System.Diagnostics.Metrics;
using Commerce.Order.Data;

namespace Commerce.Order.Telemetry;

/// <summary>
/// What operators watch for orders (meter <c>Commerce.Order</c>): lock wait and outcome, orders by status, saga step
/// durations and the outbox backlog. Prometheus names: commerce_order_lock_wait_seconds, commerce_orders_total, ...
/// </summary>
public sealed class OrderMetrics
{
    public const string MeterName = "Commerce.Order";

    private readonly Histogram<double> lockWait;
    private readonly Counter<long> orders;
    private readonly Histogram<double> stepDuration;
    private readonly Histogram<double> orderDuration;

    public OrderMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        lockWait = meter.CreateHistogram<double>("commerce.order.lock.wait", "s", "Time to acquire the order lock (or to give up).");
        orders = meter.CreateCounter<long>("commerce.orders", "{order}", "Orders placed, completed and rejected.");
        stepDuration = meter.CreateHistogram<double>("commerce.order.saga.step.duration", "s", "How long each saga step took.");
        orderDuration = meter.CreateHistogram<double>("commerce.order.completion.duration", "s", "From placing an order to its final state.");
        meter.CreateObservableGauge("commerce.outbox.backlog", () => OutboxBacklog, "{message}", "Committed messages not yet published.");
    }

    public long OutboxBacklog { get; set; }

    public void LockAcquired(TimeSpan waited) => lockWait.Record(waited.TotalSeconds, new KeyValuePair<string, object?>("outcome", "acquired"));

    public void LockBusy(TimeSpan waited) => lockWait.Record(waited.TotalSeconds, new KeyValuePair<string, object?>("outcome", "busy"));

    public void OrderPlaced() => orders.Add(1, new KeyValuePair<string, object?>("status", "placed"));

    public void OrderFinished(string status, string? reason, TimeSpan took)
    {
        orders.Add(1, new KeyValuePair<string, object?>("status", status.ToLowerInvariant()), new KeyValuePair<string, object?>("reason", reason ?? ""));
        orderDuration.Record(took.TotalSeconds, new KeyValuePair<string, object?>("status", status.ToLowerInvariant()));
    }

    public void StepFinished(OrderStep step, TimeSpan took) =>
        stepDuration.Record(took.TotalSeconds, new KeyValuePair<string, object?>("step", step.ToString()));
}
