using System.Globalization;
using Commerce.LoadTests.Harness;

namespace Commerce.LoadTests.Suites.Shared;

/// <summary>Reading and combining runs for the suites that compare them (replay, gate).</summary>
public static class Figures
{
    /// <summary>
    /// Answers per second until the last one came: in the open model a system that falls behind still answers every
    /// arrival eventually, so answers ÷ the load's own duration would flatter it; this divides by the time it really took.
    /// </summary>
    public static double Throughput(Stats stats)
    {
        var lastAnswer = stats.Timeline.Where(p => p.Requests > 0).Select(p => p.Second).DefaultIfEmpty(0).Max();
        var seconds = Math.Max(stats.DurationSeconds, lastAnswer);
        return seconds <= 0 ? 0 : stats.Ok / seconds;
    }

    /// <summary>Several runs as one report: scenarios named "label: scenario", every threshold, problem and section kept.</summary>
    public static RunResult Combine(string suite, Uri target, DateTimeOffset startedAt, IEnumerable<(string Label, RunResult Run)> parts)
    {
        var list = parts.ToList();
        return new RunResult(
            suite,
            target.ToString(),
            startedAt,
            DateTimeOffset.UtcNow - startedAt,
            list.SelectMany(p => p.Run.Scenarios.Select(s => s with { Name = $"{p.Label}: {s.Name}" })).ToList(),
            list.SelectMany(p => p.Run.Thresholds.Select(t => t with { Scenario = $"{p.Label}: {t.Scenario}" })).ToList(),
            list.SelectMany(p => p.Run.Problems.Select(problem => $"{p.Label}: {problem}")).ToList(),
            list.SelectMany(p => p.Run.Sections.Select(s => s with { Title = $"{p.Label}: {s.Title}" })).ToList());
    }

    public static string Number(double value, string format = "0.#") => value.ToString(format, CultureInfo.InvariantCulture);

    public static string Ratio(double numerator, double denominator) =>
        denominator <= 0 ? "∞" : (numerator / denominator).ToString("0.0", CultureInfo.InvariantCulture) + "×";

    /// <summary>How two latencies compare, said the right way round: "3.2× faster" or "1.2× slower".</summary>
    public static string Speedup(double oldMs, double newMs) =>
        oldMs <= 0 || newMs <= 0 ? ""
        : newMs <= oldMs ? Ratio(oldMs, newMs) + " faster"
        : Ratio(newMs, oldMs) + " slower";

    /// <summary>A scenario's (step null) or a step's figures; empty ones when the run made none, so the table still prints.</summary>
    public static Stats Step(RunResult run, string scenario, string? step) =>
        (step is null ? run.Scenarios.FirstOrDefault(s => s.Name == scenario)?.Stats
            : run.Scenarios.FirstOrDefault(s => s.Name == scenario)?.Steps.FirstOrDefault(s => s.Step == step))
        ?? new Stats(scenario, step, 0, 0, 0, LatencyStats.Empty, [], []);
}
