using Commerce.Operations.Metrics;

namespace Commerce.UnitTests.Operations;

/// <summary>The page's percentiles must read as Prometheus's <c>histogram_quantile</c> would.</summary>
public sealed class HistogramQuantileTests
{
    [Fact]
    public void Interpolates_linearly_inside_the_bucket_the_rank_falls_in()
    {
        // 100 observations: 50 under 0.1 s, 40 between 0.1 and 0.5 s, 10 between 0.5 and 1 s.
        Bucket[] buckets = [new(0.1, 50), new(0.5, 90), new(1, 100), new(double.PositiveInfinity, 100)];

        Assert.Equal(0.1, HistogramQuantile.Of(0.5, buckets), 9);
        Assert.Equal(0.75, HistogramQuantile.Of(0.95, buckets), 9);
        Assert.Equal(0.3, HistogramQuantile.Of(0.7, buckets), 9);
    }

    [Fact]
    public void A_rank_in_the_infinite_bucket_is_the_highest_finite_bound()
    {
        Bucket[] buckets = [new(double.PositiveInfinity, 10), new(2.5, 5)];

        Assert.Equal(2.5, HistogramQuantile.Of(0.99, buckets));
    }

    [Fact]
    public void Matches_the_alert_rule_test_for_requests_between_2_5_and_5_seconds()
    {
        Bucket[] buckets = [new(0.5, 0), new(2.5, 0), new(5, 2), new(double.PositiveInfinity, 2)];

        Assert.Equal(4.875, HistogramQuantile.Of(0.95, buckets), 9);
    }

    [Fact]
    public void Is_NaN_with_nothing_observed_or_no_infinite_bucket()
    {
        Assert.True(double.IsNaN(HistogramQuantile.Of(0.95, [new(1, 0), new(double.PositiveInfinity, 0)])));
        Assert.True(double.IsNaN(HistogramQuantile.Of(0.95, [new(1, 3), new(2, 5)])));
    }

    [Fact]
    public void Evens_out_bucket_rates_that_dip()
    {
        // Rates of separately scraped counters can be slightly out of order.
        // Rank 6 falls in (0.5, 1]; counted from 5 below it (not 4), 1 of its 5 observations: 0.5 + 0.5 / 5.
        Bucket[] buckets = [new(0.1, 5), new(0.5, 4), new(1, 10), new(double.PositiveInfinity, 10)];

        Assert.Equal(0.6, HistogramQuantile.Of(0.6, buckets), 9);
    }
}
