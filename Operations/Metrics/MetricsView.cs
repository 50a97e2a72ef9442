namespace Commerce.Operations.Metrics;

/// <summary>One API (service, method, route): requests per second, latency percentiles in seconds, the failing share.</summary>
public sealed record ApiStats(string Service, string Method, string Route, double Rps, double? P50, double? P95, double? P99, double? ErrorRatio)
{
    public string Key => $"{Service} {Method} {Route}";
}

/// <summary>A message consumer: messages handled and failed per second, p95 handling time in seconds.</summary>
public sealed record ConsumerStats(string Service, string Consumer, double PerSecond, double ErrorsPerSecond, double? P95);

/// <summary>A database connection pool: connections in use out of its maximum.</summary>
public sealed record PoolUse(string Service, string Pool, double Used, double Max)
{
    public double Ratio => Max > 0 ? Used / Max : 0;
}

/// <summary>A RabbitMQ queue's depth.</summary>
public sealed record QueueDepth(string VirtualHost, string Queue, double Ready, double Unacked);

/// <summary>A named figure: an outcome per second, a backlog, a campaign's coupons left.</summary>
public sealed record Figure(string Name, double Value);

/// <summary>The system's inner gauges and outcomes, below the APIs: pools, queues, outbox, coupons, order and reservation outcomes.</summary>
public sealed record Internals(
    IReadOnlyList<PoolUse> Pools,
    IReadOnlyList<QueueDepth> Queues,
    IReadOnlyList<Figure> OutboxBacklog,
    IReadOnlyList<Figure> CouponsRemaining,
    IReadOnlyList<Figure> Orders,
    IReadOnlyList<Figure> LockOutcomes,
    IReadOnlyList<Figure> StockReservations,
    IReadOnlyList<Figure> FundReservations,
    IReadOnlyList<Figure> CouponIssues)
{
    public static readonly Internals None = new([], [], [], [], [], [], [], [], []);
}

/// <summary>
/// What the page shows, computed from one <see cref="MetricFrame"/>: the headline numbers an operator reads first
/// (with the same thresholds as the alert rules), then per-API figures and the system's inner gauges.
/// </summary>
public sealed record MetricsView(
    DateTimeOffset At,
    IReadOnlyDictionary<string, double?> Headline,
    IReadOnlyList<ApiStats> Apis,
    IReadOnlyList<ConsumerStats> Consumers,
    Internals Internals,
    IReadOnlyList<AlertInfo>? Alerts,
    string? Note)
{
    public const string RequestsPerSecond = "rps";
    public const string P95 = "p95";
    public const string ErrorRatio = "errorRatio";
    public const string OrdersPerSecond = "ordersPerSecond";
    public const string PendingOrders = "pendingOrders";
    public const string LockWaitP95 = "lockWaitP95";
    public const string PoolUseRatio = "poolUse";
    public const string Outbox = "outboxBacklog";
    public const string QueuedMessages = "queuedMessages";

    /// <summary>Probes and scrapes are not APIs; they would drown the real traffic in a quiet system.</summary>
    public static bool IsOperational(string route) => route is "/health" or "/alive" or "/metrics";

    /// <summary>Builds the view; <paramref name="gatewayJob"/> names the entry whose traffic is "the system's" (null: all).</summary>
    public static MetricsView From(MetricFrame frame, string? gatewayJob)
    {
        var requests = frame.Of(DashboardQueries.HttpRequests).Where(series => !IsOperational(series.Label("http_route"))).ToList();
        var buckets = frame.Of(DashboardQueries.HttpDurationBuckets).Where(series => !IsOperational(series.Label("http_route"))).ToList();
        var apis = ApiStatsOf(requests, buckets);

        var entry = gatewayJob is not null && requests.Any(series => series.Label("job") == gatewayJob)
            ? (Func<Series, bool>)(series => series.Label("job") == gatewayJob)
            : _ => true;
        var entryRequests = requests.Where(entry).ToList();
        var entryRps = entryRequests.Sum(series => series.Value);
        var pools = PoolsOf(frame);
        var queues = QueuesOf(frame);
        var orders = Figures(frame, DashboardQueries.Orders, "status");
        var outbox = Figures(frame, DashboardQueries.OutboxBacklog, "job");

        var headline = new Dictionary<string, double?>
        {
            [RequestsPerSecond] = entryRequests.Count > 0 ? entryRps : null,
            [P95] = Quantile(0.95, buckets.Where(entry)),
            [ErrorRatio] = entryRps > 0 ? entryRequests.Where(IsError).Sum(series => series.Value) / entryRps : null,
            [OrdersPerSecond] = orders.FirstOrDefault(figure => figure.Name == "placed")?.Value,
            // Every Order instance counts the same database: the largest count is the current one.
            [PendingOrders] = frame.Of(DashboardQueries.PendingOrders).Select(series => (double?)series.Value).Max(),
            [LockWaitP95] = Quantile(0.95, frame.Of(DashboardQueries.LockWaitBuckets)),
            [PoolUseRatio] = pools.Count > 0 ? pools.Max(pool => pool.Ratio) : null,
            [Outbox] = outbox.Count > 0 ? outbox.Sum(figure => figure.Value) : null,
            [QueuedMessages] = queues.Count > 0 ? queues.Sum(queue => queue.Ready) : null,
        };

        return new MetricsView(
            frame.At, headline, apis, ConsumersOf(frame),
            new Internals(
                pools, queues, outbox,
                Figures(frame, DashboardQueries.CouponRemaining, "coupon_id"),
                orders,
                Figures(frame, DashboardQueries.LockAttempts, "outcome"),
                Figures(frame, DashboardQueries.StockReservations, "outcome"),
                Figures(frame, DashboardQueries.FundReservations, "outcome"),
                Figures(frame, DashboardQueries.CouponIssues, "outcome")),
            frame.Alerts, frame.Note);
    }

    /// <summary>A 5xx, or a request that ended with an error and no 5xx (error.type: a timeout, an abort), as rule 3 counts.</summary>
    public static bool IsError(Series series) =>
        series.Label("http_response_status_code").StartsWith('5') || series.Label("error_type").Length > 0;

    private static List<ApiStats> ApiStatsOf(List<Series> requests, List<Series> buckets)
    {
        static (string Job, string Method, string Route) Api(Series series) =>
            (series.Label("job"), series.Label("http_request_method"), series.Label("http_route"));

        var bucketsByApi = buckets.ToLookup(Api);
        return requests.GroupBy(Api)
            .Select(api =>
            {
                var rps = api.Sum(series => series.Value);
                var inApi = bucketsByApi[api.Key].ToList();
                return new ApiStats(
                    api.Key.Job, api.Key.Method, api.Key.Route.Length > 0 ? api.Key.Route : "(no route)", rps,
                    rps > 0 ? Quantile(0.50, inApi) : null,
                    rps > 0 ? Quantile(0.95, inApi) : null,
                    rps > 0 ? Quantile(0.99, inApi) : null,
                    rps > 0 ? api.Where(IsError).Sum(series => series.Value) / rps : null);
            })
            .OrderBy(api => api.Service, StringComparer.Ordinal)
            .ThenBy(api => api.Route, StringComparer.Ordinal)
            .ThenBy(api => api.Method, StringComparer.Ordinal)
            .ToList();
    }

    private static List<ConsumerStats> ConsumersOf(MetricFrame frame)
    {
        static (string Job, string Consumer) Consumer(Series series) => (series.Label("job"), series.Label("messaging_masstransit_consumer_type"));

        var errors = frame.Of(DashboardQueries.ConsumerErrors).ToLookup(Consumer);
        var buckets = frame.Of(DashboardQueries.ConsumerDurationBuckets).ToLookup(Consumer);
        return frame.Of(DashboardQueries.ConsumerMessages)
            .GroupBy(Consumer)
            .Select(consumer =>
            {
                var perSecond = consumer.Sum(series => series.Value);
                var milliseconds = perSecond > 0 ? Quantile(0.95, buckets[consumer.Key]) : null;
                return new ConsumerStats(consumer.Key.Job, consumer.Key.Consumer, perSecond,
                    errors[consumer.Key].Sum(series => series.Value), milliseconds / 1000);
            })
            .OrderBy(consumer => consumer.Service, StringComparer.Ordinal)
            .ThenBy(consumer => consumer.Consumer, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>A quantile of bucket rates summed over every series given; null when nothing was observed.</summary>
    private static double? Quantile(double quantile, IEnumerable<Series> buckets)
    {
        var merged = buckets
            .Select(series => (ok: PrometheusNumber.TryParse(series.Label("le"), out var bound), bound, series.Value))
            .Where(bucket => bucket.ok)
            .GroupBy(bucket => bucket.bound)
            .Select(group => new Bucket(group.Key, group.Sum(bucket => bucket.Value)));
        var value = HistogramQuantile.Of(quantile, merged);
        return double.IsFinite(value) ? value : null;
    }

    private static List<PoolUse> PoolsOf(MetricFrame frame)
    {
        var connections = frame.Of(DashboardQueries.PoolConnections);
        // Unpooled connections (a migration's) have no maximum and are not a pool to watch.
        return frame.Of(DashboardQueries.PoolMax)
            .Where(max => max.Value > 0)
            .Select(max => new PoolUse(
                max.Label("job"),
                max.Label("db_client_connection_pool_name"),
                connections.Where(series => series.Label("job") == max.Label("job")
                        && series.Label("db_client_connection_pool_name") == max.Label("db_client_connection_pool_name")
                        && series.Label("db_client_connection_state") == "used")
                    .Sum(series => series.Value),
                max.Value))
            .OrderByDescending(pool => pool.Ratio)
            .ThenBy(pool => pool.Service, StringComparer.Ordinal)
            .ToList();
    }

    private static List<QueueDepth> QueuesOf(MetricFrame frame)
    {
        var unacked = frame.Of(DashboardQueries.QueueUnacked).ToDictionary(series => (series.Label("vhost"), series.Label("queue")), series => series.Value);
        return frame.Of(DashboardQueries.QueueReady)
            .Select(ready => new QueueDepth(ready.Label("vhost"), ready.Label("queue"), ready.Value,
                unacked.GetValueOrDefault((ready.Label("vhost"), ready.Label("queue")))))
            .OrderByDescending(queue => queue.Ready + queue.Unacked)
            .ThenBy(queue => queue.Queue, StringComparer.Ordinal)
            .ToList();
    }

    private static List<Figure> Figures(MetricFrame frame, MetricQuery query, string label) => frame.Of(query)
        .GroupBy(series => series.Label(label))
        .Select(group => new Figure(group.Key.Length > 0 ? group.Key : "(none)", group.Sum(series => series.Value)))
        .OrderBy(figure => figure.Name, StringComparer.Ordinal)
        .ToList();
}
