using Commerce.LoadTests.Harness;

namespace Commerce.UnitTests.LoadTests;

public sealed class ThresholdTests
{
    private static readonly IReadOnlyList<ScenarioResult> Run =
    [
        Scenario("orders", ok: 950, fail: 50, p95Ms: 131, steps: [Stats("orders", "pay", ok: 950, fail: 0, p95Ms: 40)]),
        Scenario("idle", ok: 0, fail: 0, p95Ms: 0),
    ];

    [Fact]
    public void A_check_that_holds_passes_and_one_that_does_not_fails()
    {
        var results = Threshold.Evaluate(
        [
            Threshold.LatencyP95Below("orders", 200),
            Threshold.LatencyP95Below("orders", 100),
            Threshold.FailPercentBelow("orders", 10),
            Threshold.FailPercentBelow("orders", 5),
            Threshold.OkRpsAtLeast("orders", 95),
            Threshold.OkRpsAtLeast("orders", 96),
        ], Run);

        Assert.Equal([true, false, true, false, true, false], results.Select(r => r.Passed));
        Assert.Contains("p95 131 ms", results[1].Observed);
    }

    [Fact]
    public void A_step_threshold_reads_the_step()
    {
        var result = Assert.Single(Threshold.Evaluate([Threshold.Create("orders", "pay", s => s.FailPercent == 0, "pay never fails")], Run));

        Assert.True(result.Passed);
    }

    [Theory]
    [InlineData("nobody", null, "no scenario named nobody")]
    [InlineData("orders", "ship", "no step named ship in orders")]
    [InlineData("idle", null, "no requests were made")]
    public void Missing_or_empty_figures_fail_rather_than_pass_by_default(string scenario, string? step, string why)
    {
        var result = Assert.Single(Threshold.Evaluate([Threshold.Create(scenario, step, s => s.Latency.P95Ms < 200, "p95 < 200 ms")], Run));

        Assert.False(result.Passed);
        Assert.Equal(why, result.Observed);
    }

    [Fact]
    public void A_check_that_throws_fails_with_the_reason()
    {
        var result = Assert.Single(Threshold.Evaluate([Threshold.Create("orders", _ => throw new InvalidOperationException("no"), "bad check")], Run));

        Assert.False(result.Passed);
        Assert.Equal("the check threw InvalidOperationException: no", result.Observed);
    }

    [Fact]
    public void One_failed_threshold_fails_the_run()
    {
        var thresholds = Threshold.Evaluate([Threshold.FailPercentBelow("orders", 10), Threshold.FailPercentBelow("orders", 1)], Run);
        var run = new RunResult("suite", "", DateTimeOffset.UnixEpoch, TimeSpan.Zero, Run, thresholds, [], []);

        Assert.False(run.Passed);
        Assert.Equal(1, run.ExitCode);
        Assert.Equal(0, (run with { Thresholds = [thresholds[0]] }).ExitCode);
    }

    private static ScenarioResult Scenario(string name, long ok, long fail, double p95Ms, IReadOnlyList<Stats>? steps = null) =>
        new(name, "closed", [], Stats(name, null, ok, fail, p95Ms), steps ?? [], [], null);

    private static Stats Stats(string scenario, string? step, long ok, long fail, double p95Ms) => new(
        scenario,
        step,
        ok,
        fail,
        DurationSeconds: 10,
        new LatencyStats(ok + fail, 1, p95Ms / 2, p95Ms / 2, p95Ms / 1.5, p95Ms, p95Ms * 2, p95Ms * 3),
        [new StatusCount("200", false, ok, null), new StatusCount("500", true, fail, "boom")],
        []);
}
