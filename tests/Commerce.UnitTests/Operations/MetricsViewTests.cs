using Commerce.Operations.Metrics;

namespace Commerce.UnitTests.Operations;

public sealed class MetricsViewTests
{
    private static Series S(double value, params (string Name, string Value)[] labels) =>
        new(labels.ToDictionary(label => label.Name, label => label.Value), value);

    private static MetricFrame Frame(params (MetricQuery Query, Series[] Series)[] series) => new()
    {
        Series = series.ToDictionary(entry => entry.Query, entry => entry.Series.ToList()),
    };

    [Fact]
    public void Per_API_rate_error_ratio_and_percentiles_come_from_the_gateway_and_services_alike()
    {
        var frame = Frame(
            (DashboardQueries.HttpRequests,
            [
                S(8, ("job", "gateway"), ("http_route", "/api/orders"), ("http_request_method", "POST"), ("http_response_status_code", "202")),
                S(1, ("job", "gateway"), ("http_route", "/api/orders"), ("http_request_method", "POST"), ("http_response_status_code", "504"), ("error_type", "504")),
                // A timeout without a 5xx is an error too (alert rule 3 counts it).
                S(0.5, ("job", "gateway"), ("http_route", "/api/orders"), ("http_request_method", "POST"), ("error_type", "timeout")),
                // 4xx is the client's doing, not an error of ours.
                S(0.5, ("job", "gateway"), ("http_route", "/api/orders"), ("http_request_method", "POST"), ("http_response_status_code", "429")),
                S(3, ("job", "order"), ("http_route", "/api/orders"), ("http_request_method", "POST"), ("http_response_status_code", "202")),
                // Probes are not APIs.
                S(50, ("job", "gateway"), ("http_route", "/health"), ("http_request_method", "GET"), ("http_response_status_code", "200")),
            ]),
            (DashboardQueries.HttpDurationBuckets,
            [
                S(5, ("job", "gateway"), ("http_route", "/api/orders"), ("http_request_method", "POST"), ("le", "0.1")),
                S(10, ("job", "gateway"), ("http_route", "/api/orders"), ("http_request_method", "POST"), ("le", "0.5")),
                S(10, ("job", "gateway"), ("http_route", "/api/orders"), ("http_request_method", "POST"), ("le", "+Inf")),
                S(3, ("job", "order"), ("http_route", "/api/orders"), ("http_request_method", "POST"), ("le", "0.1")),
                S(3, ("job", "order"), ("http_route", "/api/orders"), ("http_request_method", "POST"), ("le", "+Inf")),
                S(50, ("job", "gateway"), ("http_route", "/health"), ("http_request_method", "GET"), ("le", "+Inf")),
            ]));

        var view = MetricsView.From(frame, gatewayJob: "gateway");

        Assert.Equal(["gateway POST /api/orders", "order POST /api/orders"], view.Apis.Select(api => api.Key));
        var gateway = view.Apis[0];
        Assert.Equal(10, gateway.Rps);
        Assert.Equal(0.15, gateway.ErrorRatio!.Value, 9);
        Assert.Equal(0.1, gateway.P50!.Value, 9);
        Assert.Equal(0.46, gateway.P95!.Value, 9);
        Assert.Equal(0, view.Apis[1].ErrorRatio);

        // The headline is what enters through the gateway, not the sum of every hop.
        Assert.Equal(10, view.Headline[MetricsView.RequestsPerSecond]);
        Assert.Equal(0.15, view.Headline[MetricsView.ErrorRatio]!.Value, 9);
    }

    [Fact]
    public void An_idle_API_has_a_rate_of_zero_and_no_percentiles()
    {
        var frame = Frame((DashboardQueries.HttpRequests,
            [S(0, ("job", "stock"), ("http_route", "/api/products/{id}"), ("http_request_method", "GET"), ("http_response_status_code", "200"))]));

        var api = Assert.Single(MetricsView.From(frame, "gateway").Apis);

        Assert.Equal(0, api.Rps);
        Assert.Null(api.P95);
        Assert.Null(api.ErrorRatio);
    }

    [Fact]
    public void Missing_series_are_unknown_not_zero()
    {
        var view = MetricsView.From(Frame(), "gateway");

        Assert.Empty(view.Apis);
        Assert.All(view.Headline.Values, Assert.Null);
    }

    [Fact]
    public void Pool_use_is_used_over_max_and_unpooled_connections_are_left_out()
    {
        var frame = Frame(
            (DashboardQueries.PoolConnections,
            [
                S(85, ("job", "order"), ("db_client_connection_pool_name", "orderdb"), ("db_client_connection_state", "used")),
                S(15, ("job", "order"), ("db_client_connection_pool_name", "orderdb"), ("db_client_connection_state", "idle")),
                S(1, ("job", "order"), ("db_client_connection_pool_name", "Host=x;Pooling=False"), ("db_client_connection_state", "used")),
                S(10, ("job", "stock"), ("db_client_connection_pool_name", "stockdb"), ("db_client_connection_state", "used")),
            ]),
            (DashboardQueries.PoolMax,
            [
                S(100, ("job", "order"), ("db_client_connection_pool_name", "orderdb")),
                S(100, ("job", "stock"), ("db_client_connection_pool_name", "stockdb")),
            ]));

        var view = MetricsView.From(frame, "gateway");

        Assert.Equal([("order", 0.85), ("stock", 0.1)], view.Internals.Pools.Select(pool => (pool.Service, pool.Ratio)));
        Assert.Equal(0.85, view.Headline[MetricsView.PoolUseRatio]);
    }

    [Fact]
    public void Orders_lock_wait_queues_and_coupons_are_read_from_their_metrics()
    {
        var frame = Frame(
            (DashboardQueries.Orders, [S(4, ("status", "placed")), S(3, ("status", "completed"))]),
            (DashboardQueries.PendingOrders, [S(12, ("job", "order"))]),
            (DashboardQueries.LockWaitBuckets, [S(9, ("le", "0.01")), S(10, ("le", "+Inf"))]),
            (DashboardQueries.QueueReady, [S(7, ("vhost", "/"), ("queue", "reserve-stock")), S(0, ("vhost", "/"), ("queue", "capture-funds"))]),
            (DashboardQueries.QueueUnacked, [S(2, ("vhost", "/"), ("queue", "reserve-stock"))]),
            (DashboardQueries.CouponRemaining, [S(42, ("coupon_id", "lunch"))]));

        var view = MetricsView.From(frame, "gateway");

        Assert.Equal(4, view.Headline[MetricsView.OrdersPerSecond]);
        Assert.Equal(12, view.Headline[MetricsView.PendingOrders]);
        Assert.Equal(0.01, view.Headline[MetricsView.LockWaitP95]!.Value, 9);
        Assert.Equal(7, view.Headline[MetricsView.QueuedMessages]);
        Assert.Equal(new QueueDepth("/", "reserve-stock", 7, 2), view.Internals.Queues[0]);
        Assert.Equal(new Figure("lunch", 42), Assert.Single(view.Internals.CouponsRemaining));
    }

    [Fact]
    public void Consumers_show_messages_errors_and_p95_in_seconds_from_MassTransit_milliseconds()
    {
        (string, string)[] reserve = [("job", "stock"), ("messaging_masstransit_consumer_type", "ReserveStockConsumer")];
        var frame = Frame(
            (DashboardQueries.ConsumerMessages, [S(10, reserve)]),
            (DashboardQueries.ConsumerErrors, [S(0.5, reserve)]),
            (DashboardQueries.ConsumerDurationBuckets, [S(5, [.. reserve, ("le", "50")]), S(10, [.. reserve, ("le", "100")]), S(10, [.. reserve, ("le", "+Inf")])]));

        var consumer = Assert.Single(MetricsView.From(frame, "gateway").Consumers);

        Assert.Equal(("stock", "ReserveStockConsumer", 10, 0.5), (consumer.Service, consumer.Consumer, consumer.PerSecond, consumer.ErrorsPerSecond));
        Assert.Equal(0.095, consumer.P95!.Value, 9);
    }
}
