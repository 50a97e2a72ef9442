using Commerce.LoadTests.Harness;

namespace Commerce.UnitTests.LoadTests;

public sealed class LoadScheduleTests
{
    private static readonly TimeSpan OneSecond = TimeSpan.FromSeconds(1);

    [Fact]
    public void A_constant_rate_is_spread_evenly_from_the_start()
    {
        var times = LoadSchedule.SendTimes([Simulation.InjectPerSec(100, TimeSpan.FromSeconds(10))]).ToList();

        Assert.Equal(1000, times.Count);
        Assert.Equal(TimeSpan.Zero, times[0]);
        Assert.All(times.Zip(times.Skip(1)), pair => Assert.Equal(10, (pair.Second - pair.First).TotalMilliseconds, 1e-3));
        Assert.Equal(9.99, times[^1].TotalSeconds, 1e-9);
    }

    [Fact]
    public void A_rate_per_interval_is_the_same_rate_per_second()
    {
        var times = LoadSchedule.SendTimes([Simulation.Inject(50, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2))]).ToList();

        Assert.Equal(200, times.Count);
        Assert.Equal(10, (times[1] - times[0]).TotalMilliseconds, 1e-3);
    }

    [Fact]
    public void A_ramp_from_nothing_sends_the_area_under_the_rate_and_most_of_it_late()
    {
        var times = LoadSchedule.SendTimes([Simulation.RampingInject(100, OneSecond, TimeSpan.FromSeconds(10))]).ToList();

        // Rate 0 → 100/s over 10 s: 500 requests, 125 of them in the first half (the triangle's first quarter of area).
        Assert.Equal(500, times.Count);
        Assert.InRange(times.Count(t => t < TimeSpan.FromSeconds(5)), 124, 126);
        Assert.True(times.All(t => t < TimeSpan.FromSeconds(10)));
        Assert.Equal(times.Order(), times);
    }

    [Fact]
    public void A_ramp_down_starts_from_the_previous_rate()
    {
        var times = LoadSchedule.SendTimes(
        [
            Simulation.InjectPerSec(100, OneSecond),
            Simulation.RampingInject(0, OneSecond, TimeSpan.FromSeconds(10)),
        ]).ToList();

        Assert.Equal(100 + 500, times.Count);
        Assert.InRange(times.Count(t => t >= OneSecond && t < TimeSpan.FromSeconds(6)), 374, 376);
        Assert.Equal(times.Order(), times);
    }

    [Fact]
    public void A_pause_sends_nothing_and_the_next_phase_starts_after_it()
    {
        var times = LoadSchedule.SendTimes(
        [
            Simulation.InjectPerSec(10, OneSecond),
            Simulation.Pause(OneSecond),
            Simulation.InjectPerSec(10, OneSecond),
        ]).ToList();

        Assert.Equal(20, times.Count);
        Assert.DoesNotContain(times, t => t >= OneSecond && t < TimeSpan.FromSeconds(2));
        Assert.Equal(TimeSpan.FromSeconds(2), times[10]);
    }

    [Fact]
    public void A_ramp_after_a_pause_starts_from_zero()
    {
        var times = LoadSchedule.SendTimes(
        [
            Simulation.InjectPerSec(100, OneSecond),
            Simulation.Pause(OneSecond),
            Simulation.RampingInject(100, OneSecond, TimeSpan.FromSeconds(2)),
        ]).ToList();

        Assert.Equal(100 + 100, times.Count);
    }

    [Fact]
    public void Closed_model_keeps_then_ramps_then_stops()
    {
        IReadOnlyList<LoadSimulation> phases =
        [
            Simulation.KeepConstant(10, TimeSpan.FromSeconds(5)),
            Simulation.RampingConstant(110, TimeSpan.FromSeconds(10)),
        ];

        Assert.Equal(10, LoadSchedule.CopiesAt(phases, TimeSpan.Zero));
        Assert.Equal(10, LoadSchedule.CopiesAt(phases, TimeSpan.FromSeconds(4.9)));
        Assert.Equal(60, LoadSchedule.CopiesAt(phases, TimeSpan.FromSeconds(10)));
        Assert.Equal(110, LoadSchedule.CopiesAt(phases, TimeSpan.FromSeconds(14.999)));
        Assert.Equal(0, LoadSchedule.CopiesAt(phases, TimeSpan.FromSeconds(15)));
    }

    [Fact]
    public void A_closed_ramp_from_the_start_begins_at_zero_copies()
    {
        IReadOnlyList<LoadSimulation> phases = [Simulation.RampingConstant(50, TimeSpan.FromSeconds(10))];

        Assert.Equal(0, LoadSchedule.CopiesAt(phases, TimeSpan.Zero));
        Assert.Equal(25, LoadSchedule.CopiesAt(phases, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void The_warm_up_cuts_a_ramp_where_it_stood()
    {
        var cut = LoadSimulation.Truncate(
            [Simulation.RampingInject(100, OneSecond, TimeSpan.FromSeconds(10)), Simulation.InjectPerSec(100, TimeSpan.FromSeconds(60))],
            TimeSpan.FromSeconds(5));

        var only = Assert.Single(cut);
        Assert.Equal(TimeSpan.FromSeconds(5), only.During);
        Assert.Equal(50, only.Target, 1e-9);
    }

    [Fact]
    public void One_scenario_cannot_mix_closed_and_open_models()
    {
        var scenario = Scenario.Create("mixed", _ => Task.FromResult(Response.Ok()));

        Assert.Throws<ArgumentException>(() => scenario.WithLoadSimulations(
            Simulation.KeepConstant(1, OneSecond), Simulation.InjectPerSec(1, OneSecond)));
    }
}
