using System.Globalization;

namespace Commerce.LoadTests.Harness;

/// <summary>A pass/fail rule on a scenario's (or one of its steps') figures; any failed threshold makes the run exit with 1.</summary>
public sealed record Threshold(string Scenario, string? Step, Func<Stats, bool> Check, string Description)
{
    public static Threshold Create(string scenario, Func<Stats, bool> check, string description) =>
        new(scenario, null, check, description);

    public static Threshold Create(string scenario, string? step, Func<Stats, bool> check, string description) =>
        new(scenario, step, check, description);

    public static Threshold LatencyP95Below(string scenario, double milliseconds, string? step = null) =>
        new(scenario, step, s => s.Latency.P95Ms < milliseconds, $"p95 < {Number(milliseconds)} ms");

    public static Threshold FailPercentBelow(string scenario, double percent, string? step = null) =>
        new(scenario, step, s => s.FailPercent < percent, $"failures < {Number(percent)} %");

    public static Threshold OkRpsAtLeast(string scenario, double rps, string? step = null) =>
        new(scenario, step, s => s.OkRps >= rps, $"OK answers ≥ {Number(rps)}/s");

    /// <summary>
    /// Evaluates every threshold. A threshold fails when its scenario or step is missing, made no request at all (an empty
    /// run has a p95 of 0 and must not pass a latency rule), or its check throws.
    /// </summary>
    public static IReadOnlyList<ThresholdResult> Evaluate(IEnumerable<Threshold> thresholds, IReadOnlyList<ScenarioResult> scenarios) =>
        thresholds.Select(threshold => threshold.Evaluate(scenarios)).ToList();

    private ThresholdResult Evaluate(IReadOnlyList<ScenarioResult> scenarios)
    {
        var scenario = scenarios.FirstOrDefault(s => s.Name == Scenario);
        var stats = Step is null ? scenario?.Stats : scenario?.Steps.FirstOrDefault(s => s.Step == Step);
        if (stats is null)
        {
            return Result(false, Step is null ? $"no scenario named {Scenario}" : $"no step named {Step} in {Scenario}");
        }

        if (stats.Requests == 0)
        {
            return Result(false, "no requests were made");
        }

        try
        {
            return Result(Check(stats), Observed(stats));
        }
        catch (Exception exception)
        {
            return Result(false, $"the check threw {exception.GetType().Name}: {exception.Message}");
        }
    }

    private ThresholdResult Result(bool passed, string observed) => new(Scenario, Step, Description, passed, observed);

    private static string Observed(Stats s) => string.Create(
        CultureInfo.InvariantCulture,
        $"p95 {s.Latency.P95Ms:0.##} ms, p99 {s.Latency.P99Ms:0.##} ms, failures {s.FailPercent:0.##} %, {s.Rps:0.#} req/s ({s.OkRps:0.#} OK/s)");

    private static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}

/// <summary>How one threshold came out, with the figures it was judged on.</summary>
public sealed record ThresholdResult(string Scenario, string? Step, string Description, bool Passed, string Observed);
