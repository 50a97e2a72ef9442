using Commerce.LoadTests.Harness;
using Commerce.LoadTests.Suites.Shared;

namespace Commerce.UnitTests.LoadTests;

public sealed class FiguresTests
{
    [Fact]
    public void Throughput_divides_by_the_time_the_last_answer_took_when_the_system_fell_behind()
    {
        // 10,000 arrivals in 2 s, answered until second 8: 1,250/s, not 5,000/s.
        var stats = new Stats("issue", null, 10_000, 0, 2, LatencyStats.Empty, [],
            [new TimelinePoint(1, 1_000, 1_000, 0, 1_000, 1, 2), new TimelinePoint(8, 500, 500, 0, 500, 1, 2)]);

        Assert.Equal(1_250, Figures.Throughput(stats), 3);
    }

    [Fact]
    public void Throughput_of_a_system_that_kept_up_is_its_rate_over_the_load()
    {
        var stats = new Stats("issue", null, 900, 100, 2, LatencyStats.Empty, [],
            [new TimelinePoint(1, 500, 450, 50, 500, 1, 2), new TimelinePoint(2, 500, 450, 50, 500, 1, 2)]);

        Assert.Equal(450, Figures.Throughput(stats), 3);
    }

    [Theory]
    [InlineData(1000, 250, "4.0× faster")]
    [InlineData(1176.6, 1444.9, "1.2× slower")]
    [InlineData(0, 100, "")]
    public void Speedup_says_faster_or_slower_the_right_way_round(double oldMs, double newMs, string expected) =>
        Assert.Equal(expected, Figures.Speedup(oldMs, newMs));
}
