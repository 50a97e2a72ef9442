using Commerce.AppHost.Dashboard.Metrics;

namespace Commerce.UnitTests.Dashboard;

/// <summary>Without Prometheus, the dashboard computes what <c>rate()</c> and <c>sum by</c> would.</summary>
public sealed class ScrapeSourceTests
{
    [Fact]
    public void A_counter_rate_is_its_increase_per_second()
    {
        Assert.Equal(5, ScrapeSource.RatePerSecond(100, 200, TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public void A_restarted_process_counts_from_zero_again()
    {
        Assert.Equal(2, ScrapeSource.RatePerSecond(1000, 40, TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public void Sums_by_the_query_labels_and_leaves_out_labels_a_series_lacks()
    {
        ScrapedSample Sample(double value, string status, string? errorType = null)
        {
            var labels = new Dictionary<string, string>
            {
                ["job"] = "order", ["http_route"] = "/api/orders", ["http_request_method"] = "POST",
                ["http_response_status_code"] = status, ["url_scheme"] = "http",
            };
            if (errorType is not null) labels["error_type"] = errorType;
            return new ScrapedSample("http_server_request_duration_seconds_count", labels, value);
        }

        var series = ScrapeSource.Aggregate(DashboardQueries.HttpRequests,
            [Sample(1, "202"), Sample(2, "202"), Sample(4, "500", "500"), Sample(double.NaN, "202"),
             new ScrapedSample("other_metric", new Dictionary<string, string>(), 99)]);

        Assert.Equal(2, series.Count);
        var ok = series.Single(s => s.Label("http_response_status_code") == "202");
        Assert.Equal(3, ok.Value);
        Assert.False(ok.Labels.ContainsKey("error_type"));
        Assert.False(ok.Labels.ContainsKey("url_scheme"));
        Assert.Equal("500", series.Single(s => s.Value == 4).Label("error_type"));
    }
}
