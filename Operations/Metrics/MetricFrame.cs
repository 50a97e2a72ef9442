namespace Commerce.Operations.Metrics;

/// <summary>Counters are read as per-second rates over <see cref="MetricQuery.RateWindow"/>; gauges as they are.</summary>
public enum MetricKind { Counter, Gauge }

/// <summary>One metric the page reads, summed by the labels in <see cref="By"/> (PromQL's <c>sum by</c>).</summary>
public sealed record MetricQuery(string Metric, MetricKind Kind, params string[] By)
{
    /// <summary>Long enough to smooth a 2 s scrape, short enough that a burst shows within seconds.</summary>
    public static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(30);

    public string PromQl => Kind == MetricKind.Counter
        ? $"sum by ({string.Join(", ", By)}) (rate({Metric}[{(int)RateWindow.TotalSeconds}s]))"
        : $"sum by ({string.Join(", ", By)}) ({Metric})";
}

/// <summary>One aggregated series of a query: its <c>by</c> labels and its rate or value.</summary>
public sealed record Series(IReadOnlyDictionary<string, string> Labels, double Value)
{
    public string Label(string name) => Labels.TryGetValue(name, out var value) ? value : "";
}

/// <summary>An alert as Prometheus reports it (pending or firing).</summary>
public sealed record AlertInfo(
    string Name, string Severity, string State, string? Summary, string? Description,
    IReadOnlyDictionary<string, string> Labels, DateTimeOffset? ActiveAt);

/// <summary>What one read of Prometheus gave: every query's series and the alerts, or a note saying why not.</summary>
public sealed class MetricFrame
{
    public DateTimeOffset At { get; init; } = DateTimeOffset.UtcNow;
    public Dictionary<MetricQuery, List<Series>> Series { get; init; } = [];

    /// <summary>Null when the alerts are unknown (Prometheus did not answer): not the same as none firing.</summary>
    public List<AlertInfo>? Alerts { get; init; }

    /// <summary>Why something is missing, in words for the page (Prometheus not answering, a query failing).</summary>
    public string? Note { get; init; }

    public IReadOnlyList<Series> Of(MetricQuery query) => Series.TryGetValue(query, out var series) ? series : [];
}

/// <summary>Every metric the page shows. Missing series are fine: services add their metrics over time.</summary>
public static class DashboardQueries
{
    public static readonly MetricQuery HttpRequests = new("http_server_request_duration_seconds_count", MetricKind.Counter,
        "job", "http_route", "http_request_method", "http_response_status_code", "error_type");
    public static readonly MetricQuery HttpDurationBuckets = new("http_server_request_duration_seconds_bucket", MetricKind.Counter,
        "job", "http_route", "http_request_method", "le");
    public static readonly MetricQuery LockWaitBuckets = new("commerce_order_lock_wait_seconds_bucket", MetricKind.Counter, "le");
    public static readonly MetricQuery LockAttempts = new("commerce_order_lock_wait_seconds_count", MetricKind.Counter, "outcome");
    public static readonly MetricQuery Orders = new("commerce_orders_total", MetricKind.Counter, "status");
    public static readonly MetricQuery CouponIssues = new("commerce_coupon_issues_total", MetricKind.Counter, "outcome");
    public static readonly MetricQuery StockReservations = new("commerce_stock_reservations_total", MetricKind.Counter, "outcome");
    public static readonly MetricQuery FundReservations = new("commerce_wallet_reservations_total", MetricKind.Counter, "outcome");

    // MassTransit's meter: its counters carry the unit "ea", its durations milliseconds.
    public static readonly MetricQuery ConsumerMessages = new("messaging_masstransit_consume_ea_total", MetricKind.Counter,
        "job", "messaging_masstransit_consumer_type");
    public static readonly MetricQuery ConsumerErrors = new("messaging_masstransit_consume_errors_ea_total", MetricKind.Counter,
        "job", "messaging_masstransit_consumer_type");
    public static readonly MetricQuery ConsumerDurationBuckets = new("messaging_masstransit_consume_duration_milliseconds_bucket", MetricKind.Counter,
        "job", "messaging_masstransit_consumer_type", "le");
    public static readonly MetricQuery PoolConnections = new("db_client_connection_count", MetricKind.Gauge,
        "job", "db_client_connection_pool_name", "db_client_connection_state");
    public static readonly MetricQuery PoolMax = new("db_client_connection_max", MetricKind.Gauge, "job", "db_client_connection_pool_name");
    public static readonly MetricQuery OutboxBacklog = new("commerce_outbox_backlog", MetricKind.Gauge, "job");
    public static readonly MetricQuery PendingOrders = new("commerce_orders_pending", MetricKind.Gauge, "job");
    public static readonly MetricQuery CouponRemaining = new("commerce_coupon_remaining", MetricKind.Gauge, "coupon_id");
    public static readonly MetricQuery QueueReady = new("rabbitmq_detailed_queue_messages_ready", MetricKind.Gauge, "vhost", "queue");
    public static readonly MetricQuery QueueUnacked = new("rabbitmq_detailed_queue_messages_unacked", MetricKind.Gauge, "vhost", "queue");

    public static readonly IReadOnlyList<MetricQuery> All =
    [
        HttpRequests, HttpDurationBuckets, LockWaitBuckets, LockAttempts, Orders, CouponIssues, StockReservations, FundReservations,
        ConsumerMessages, ConsumerErrors, ConsumerDurationBuckets, PoolConnections, PoolMax, OutboxBacklog, PendingOrders, CouponRemaining, QueueReady, QueueUnacked,
    ];
}
