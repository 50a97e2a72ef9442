namespace Commerce.LoadTests.Harness;

/// <summary>The tables every report shows, built once here and rendered by the console, Markdown and HTML writers.</summary>
internal static class ReportTables
{
    /// <summary>The tables of every report, in order, followed by the suite's own sections.</summary>
    public static IEnumerable<ReportSection> All(RunResult run) =>
        new[] { Outcome(run), Latency(run), SendLag(run), StatusCodes(run), Thresholds(run) }
            .OfType<ReportSection>()
            .Concat(run.Sections);

    public static ReportSection Thresholds(RunResult run) => new(
        "Thresholds",
        run.Thresholds.Count == 0 ? "No thresholds were set." : null,
        ["result", "scenario", "step", "threshold", "observed"],
        run.Thresholds.Select(t => Row(t.Passed ? "PASS" : "FAIL", t.Scenario, t.Step ?? "", t.Description, t.Observed)).ToList());

    /// <summary>The figures the 2025-12-30 incident report judged by: throughput, success and error rate.</summary>
    public static ReportSection Outcome(RunResult run) => new(
        "Requests",
        "req/s counts every answer; OK/s only the successful ones (the incident report's \"TPS\").",
        ["scenario", "step", "load", "requests", "OK", "failed", "success", "error", "req/s", "OK/s"],
        AllStats(run).Select(x => Row(
            x.Stats.Scenario,
            x.Stats.Step ?? "",
            x.Stats.Step is null ? $"{x.Scenario.LoadModel}: {string.Join("; ", x.Scenario.Simulations)}" : "",
            Format.Count(x.Stats.Requests),
            Format.Count(x.Stats.Ok),
            Format.Count(x.Stats.Fail),
            Format.Percent(x.Stats.SuccessPercent),
            Format.Percent(x.Stats.FailPercent),
            Format.Rate(x.Stats.Rps),
            Format.Rate(x.Stats.OkRps))).ToList());

    public static ReportSection Latency(RunResult run) => new(
        "Latency (ms)",
        "All answers, OK or failed. Closed model: from send to answer. Open model: from the scheduled send time to the " +
        "answer, so any delay in sending counts too. Requests refused as \"overloaded\" were never sent and have no latency.",
        ["scenario", "step", "count", "min", "mean", "p50", "p75", "p95", "p99", "max"],
        AllStats(run).Select(x => Row(
            x.Stats.Scenario,
            x.Stats.Step ?? "",
            Format.Count(x.Stats.Latency.Count),
            Format.Ms(x.Stats.Latency.MinMs),
            Format.Ms(x.Stats.Latency.MeanMs),
            Format.Ms(x.Stats.Latency.P50Ms),
            Format.Ms(x.Stats.Latency.P75Ms),
            Format.Ms(x.Stats.Latency.P95Ms),
            Format.Ms(x.Stats.Latency.P99Ms),
            Format.Ms(x.Stats.Latency.MaxMs))).ToList());

    /// <summary>Open model only: how late the harness itself started requests (a part of every latency above).</summary>
    public static ReportSection? SendLag(RunResult run) =>
        run.Scenarios.Any(s => s.SendLag is not null)
            ? new ReportSection(
                "Open model: send lag (ms)",
                "How long after its due time the harness started each request. It is included in the latency; when it is " +
                "large, the load generator (CPU, timers) is the bottleneck, not the system.",
                ["scenario", "count", "p50", "p95", "p99", "max"],
                run.Scenarios.Where(s => s.SendLag is not null).Select(s => Row(
                    s.Name,
                    Format.Count(s.SendLag!.Count),
                    Format.Ms(s.SendLag.P50Ms),
                    Format.Ms(s.SendLag.P95Ms),
                    Format.Ms(s.SendLag.P99Ms),
                    Format.Ms(s.SendLag.MaxMs))).ToList())
            : null;

    public static ReportSection StatusCodes(RunResult run) => new(
        "Status codes",
        null,
        ["scenario", "step", "status", "outcome", "count", "share", "first message"],
        AllStats(run).SelectMany(x => x.Stats.StatusCodes.Select(s => Row(
            x.Stats.Scenario,
            x.Stats.Step ?? "",
            s.StatusCode,
            s.IsError ? "fail" : "OK",
            Format.Count(s.Count),
            Format.Percent(x.Stats.Requests == 0 ? 0 : 100.0 * s.Count / x.Stats.Requests),
            s.Message ?? ""))).ToList());

    public static ReportSection Timeline(Stats stats) => new(
        stats.Step is null ? stats.Scenario : $"{stats.Scenario} / {stats.Step}",
        null,
        ["second", "requests", "OK", "failed", "req/s", "p50 ms", "p95 ms"],
        stats.Timeline.Select(p => Row(
            p.Second.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture),
            Format.Count(p.Requests),
            Format.Count(p.Ok),
            Format.Count(p.Fail),
            Format.Rate(p.Rps),
            p.P50Ms is { } p50 ? Format.Ms(p50) : "",
            p.P95Ms is { } p95 ? Format.Ms(p95) : "")).ToList());

    public static IEnumerable<string> AllProblems(RunResult run) => run.Problems.Concat(run.Scenarios.SelectMany(s => s.Problems));

    private static IEnumerable<(ScenarioResult Scenario, Stats Stats)> AllStats(RunResult run) =>
        run.Scenarios.SelectMany(s => s.Steps.Prepend(s.Stats).Select(stats => (s, stats)));

    private static IReadOnlyList<string> Row(params string[] cells) => cells;
}
