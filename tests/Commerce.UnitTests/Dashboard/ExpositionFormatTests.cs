using Commerce.AppHost.Dashboard.Metrics;

namespace Commerce.UnitTests.Dashboard;

public sealed class ExpositionFormatTests
{
    private const string Page = """
        # TYPE http_server_request_duration_seconds histogram
        http_server_request_duration_seconds_bucket{otel_scope_name="Microsoft.AspNetCore.Hosting",http_request_method="GET",http_route="/api/products/{id}",le="0.005"} 14
        http_server_request_duration_seconds_bucket{otel_scope_name="Microsoft.AspNetCore.Hosting",http_request_method="GET",http_route="/api/products/{id}",le="+Inf"} 20 1700000000000
        db_client_connection_count{db_client_connection_pool_name="Host=127.0.0.1;Database=x, \"quoted\" \\ back",db_client_connection_state="used"} 3
        rabbitmq_detailed_queue_messages_ready{vhost="/",queue="reserve-stock"} 1.5e3
        process_start_time_seconds 1.7e9
        broken_line{le="1"
        # EOF
        """;

    [Fact]
    public void Reads_names_labels_and_values_of_the_wanted_metrics_only()
    {
        var samples = ExpositionFormat.Parse(Page, name => name != "process_start_time_seconds");

        Assert.Equal(4, samples.Count);
        var inf = samples[1];
        Assert.Equal("http_server_request_duration_seconds_bucket", inf.Name);
        Assert.Equal("+Inf", inf.Labels["le"]);
        Assert.Equal("/api/products/{id}", inf.Labels["http_route"]);
        Assert.Equal(20, inf.Value);
        Assert.Equal(1500, samples[3].Value);
    }

    [Fact]
    public void Unescapes_quotes_and_backslashes_in_label_values()
    {
        var pool = Assert.Single(ExpositionFormat.Parse(Page, name => name == "db_client_connection_count"));

        Assert.Equal("Host=127.0.0.1;Database=x, \"quoted\" \\ back", pool.Labels["db_client_connection_pool_name"]);
        Assert.Equal("used", pool.Labels["db_client_connection_state"]);
        Assert.Equal(3, pool.Value);
    }

    [Fact]
    public void Skips_a_malformed_line_instead_of_failing_the_scrape()
    {
        Assert.Empty(ExpositionFormat.Parse("broken_line{le=\"1\"\nother{a=1} 2\n", _ => true));
    }
}
