using Commerce.LoadTests.Harness;

namespace Commerce.UnitTests.LoadTests;

public sealed class StatsCollectorTests
{
    [Fact]
    public async Task Values_recorded_from_many_threads_while_sampling_all_reach_the_merged_histogram()
    {
        var collector = new StatsCollector("s", null);
        const int Threads = 4, PerThread = 50_000;
        var writers = Enumerable.Range(0, Threads).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                collector.Record(i % 10 == 0 ? Response.Fail(500, "boom") : Response.Ok(), TimeSpan.FromMicroseconds((i % 1000) + 1));
            }
        })).ToArray();

        var second = 0.0;
        while (!writers.All(w => w.IsCompleted))
        {
            collector.Sample(second += 1);
            await Task.Yield();
        }

        await Task.WhenAll(writers);
        collector.Sample(second + 1);
        var stats = collector.Snapshot(second + 1);

        Assert.Equal(Threads * PerThread, stats.Requests);
        Assert.Equal(Threads * PerThread, stats.Latency.Count);
        Assert.Equal(Threads * PerThread / 10, stats.Fail);
        Assert.Equal(stats.Requests, stats.Timeline.Sum(p => p.Requests));
        Assert.Equal(0.5, stats.Latency.P50Ms, 0.01);
        Assert.Equal(0.99, stats.Latency.P99Ms, 0.01);
        Assert.Equal(1.0, stats.Latency.MaxMs, 0.01);
        Assert.Equal(0.001, stats.Latency.MinMs, 0.001);
    }

    [Fact]
    public void Each_second_has_its_own_percentiles()
    {
        var collector = new StatsCollector("s", null);
        Record(collector, 100, TimeSpan.FromMilliseconds(2));
        collector.Sample(1.0);
        Record(collector, 100, TimeSpan.FromMilliseconds(40));
        collector.Sample(2.0);

        var stats = collector.Snapshot(2.0);

        Assert.Equal([2.0, 40.0], stats.Timeline.Select(p => Math.Round(p.P50Ms!.Value)));
        Assert.Equal([100.0, 100.0], stats.Timeline.Select(p => p.Rps));
        Assert.Equal(40, stats.Latency.P95Ms, 0.1);
    }

    [Fact]
    public void A_sliver_of_a_second_is_folded_into_the_previous_point()
    {
        var collector = new StatsCollector("s", null);
        Record(collector, 100, TimeSpan.FromMilliseconds(2));
        collector.Sample(1.0);
        Record(collector, 10, TimeSpan.FromMilliseconds(2));
        collector.Sample(1.1);

        var point = Assert.Single(collector.Snapshot(1.0).Timeline);
        Assert.Equal(110, point.Requests);
        Assert.Equal(100, point.Rps, 1e-9);
    }

    [Fact]
    public void A_second_without_answers_has_no_percentiles()
    {
        var collector = new StatsCollector("s", null);
        collector.Sample(1.0);

        var point = Assert.Single(collector.Snapshot(1.0).Timeline);
        Assert.Null(point.P95Ms);
    }

    [Fact]
    public void Requests_never_sent_count_as_failures_without_a_latency()
    {
        var collector = new StatsCollector("s", null);
        Record(collector, 3, TimeSpan.FromMilliseconds(1));
        collector.RecordNotSent(Response.Fail("overloaded", "too many in flight"));
        collector.Sample(1.0);

        var stats = collector.Snapshot(1.0);

        Assert.Equal(4, stats.Requests);
        Assert.Equal(1, stats.CountOf("overloaded"));
        Assert.Equal(3, stats.Latency.Count);
        Assert.Equal(25, stats.FailPercent, 1e-9);
        Assert.Equal("too many in flight", stats.StatusCodes.Single(s => s.IsError).Message);
    }

    private static void Record(StatsCollector collector, int count, TimeSpan latency)
    {
        for (var i = 0; i < count; i++)
        {
            collector.Record(Response.Ok(), latency);
        }
    }
}
