using System.Text.Json;
using System.Text.Json.Serialization;
using Commerce.LoadTests.Harness;
using Commerce.LoadTests.Suites.Shared;

namespace Commerce.LoadTests.Suites;

/// <summary>
/// The release gate: calibrate, then a short lunch rush and a short coupon rush at calibrate's concurrency. Each
/// throughput must reach a share of the baseline's ratio to calibrate times this run's calibrate, capped at the
/// baseline's calibrate: a slower or busier machine lowers the bar, a faster ping does not raise it. Plus generous
/// floors, and error and latency limits. A global order
/// lock (409s) or a database-locked coupon gate (a fortieth of the throughput) fails it. Prints the change of every
/// figure against loadtests/baseline.json; --write-baseline records this run as the new one.
/// </summary>
public static class GateSuite
{
    /// <summary>
    /// A run may fall to this share of the baseline's throughput before the gate fails. Measured on 2-core machines:
    /// the same build's order throughput moved between 37 and 44/s from run to run while calibrate moved between
    /// 2,500 and 5,000/s, so calibrate only scales the bar down (min(1, calibrate ÷ baseline calibrate)): scaling it up
    /// as well failed a healthy CI run at 37 orders/s against a bar of 51. The incidents sit far below: DbLock issues
    /// ran at 20/s against 1,000/s, and a global lock fails on its 409s long before its throughput.
    /// </summary>
    private const double ShareOfBaseline = 0.5;

    private const int Copies = 50;

    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(15);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static async Task<int> RunAsync(SuiteOptions options)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var baselinePath = Path.Combine(options.RepoRoot, "loadtests", "baseline.json");
        var baseline = File.Exists(baselinePath) ? JsonSerializer.Deserialize<Baseline>(await File.ReadAllTextAsync(baselinePath), Json) : null;
        await using var system = await SystemUnderTest.OpenAsync(options);

        var calibrate = await CalibrateAsync(system);
        var ping = calibrate.Scenario("ping").Stats;
        var floor = (Lunch: 10.0, Coupon: 50.0);

        var baselineCalibrate = baseline?.Figures.GetValueOrDefault("calibrate.rps") ?? 0;
        var machineScale = baselineCalibrate <= 0 ? 1 : Math.Min(1, ping.OkRps / baselineCalibrate);

        double Required(string figure, double absoluteFloor) =>
            Math.Max(absoluteFloor, ShareOfBaseline * (baseline?.Figures.GetValueOrDefault(figure) ?? 0) * machineScale);

        var lunchRequired = Required("lunch.acceptRps", floor.Lunch);
        var lunch = await LunchRushSuite.RunAsync(
            system,
            new LunchRushShape(2_000, Copies, Duration, TimeSpan.FromSeconds(3)),
            "gate: lunch rush",
            _ =>
            [
                Threshold.OkRpsAtLeast(LunchRushSuite.Orders, lunchRequired, LunchRushSuite.Accept),
                // A global lock shows here: users refused with 409 order_in_progress while others hold it.
                Threshold.FailPercentBelow(LunchRushSuite.Orders, 1, LunchRushSuite.Accept),
                Threshold.LatencyP95Below(LunchRushSuite.Orders, 5_000, LunchRushSuite.Accept),
                Threshold.LatencyP95Below(LunchRushSuite.Completion, 20_000, LunchRushSuite.PostToFinal),
                Threshold.Create(LunchRushSuite.Completion, LunchRushSuite.PostToFinal, s => s.Fail == 0, "every sampled order final within 30 s"),
            ]);

        var couponRequired = Required("coupon.issueRps", floor.Coupon);
        var coupon = await CouponRushSuite.RunAsync(
            system,
            new CouponRushShape(int.MaxValue, 10_000_000, 0, Copies, Duration), // every call a new user, the quantity never reached: each is a real issue
            "gate: coupon rush",
            _ =>
            [
                Threshold.OkRpsAtLeast(CouponRushSuite.Issue, couponRequired),
                Threshold.FailPercentBelow(CouponRushSuite.Issue, 1),
                Threshold.LatencyP95Below(CouponRushSuite.Issue, 1_000),
            ]);

        var accept = lunch.Scenarios.FirstOrDefault(s => s.Name == LunchRushSuite.Orders)?.Steps.FirstOrDefault(s => s.Step == LunchRushSuite.Accept);
        var done = lunch.Scenarios.FirstOrDefault(s => s.Name == LunchRushSuite.Completion)?.Steps.FirstOrDefault(s => s.Step == LunchRushSuite.PostToFinal);
        var issue = coupon.Scenarios.FirstOrDefault(s => s.Name == CouponRushSuite.Issue)?.Stats;
        var figures = new Dictionary<string, double>
        {
            ["calibrate.rps"] = ping.OkRps,
            ["calibrate.p95Ms"] = ping.Latency.P95Ms,
            ["lunch.acceptRps"] = accept?.OkRps ?? 0,
            ["lunch.acceptP95Ms"] = accept?.Latency.P95Ms ?? 0,
            ["lunch.completionP95Ms"] = done?.Latency.P95Ms ?? 0,
            ["coupon.issueRps"] = issue?.OkRps ?? 0,
            ["coupon.issueP95Ms"] = issue?.Latency.P95Ms ?? 0,
            ["lunch.acceptVsCalibrate"] = ping.OkRps <= 0 ? 0 : (accept?.OkRps ?? 0) / ping.OkRps,
            ["coupon.issueVsCalibrate"] = ping.OkRps <= 0 ? 0 : (issue?.OkRps ?? 0) / ping.OkRps,
        };

        var comparison = new ReportSection(
            "Against the baseline",
            baseline is null
                ? $"No {baselinePath} yet: record one with --write-baseline."
                : $"Baseline recorded {baseline.RecordedAt:u} ({baseline.Note}). Thresholds: orders/s ≥ max({floor.Lunch}, {ShareOfBaseline} × baseline × min(1, calibrate ÷ baseline calibrate = {machineScale:0.##})) = {lunchRequired:0.#}; " +
                  $"coupon issues/s ≥ max({floor.Coupon}, …) = {couponRequired:0.#}.",
            ["figure", "this run", "baseline", "change"],
            figures.Select(f => (IReadOnlyList<string>)
            [
                f.Key,
                Figures.Number(f.Value, "0.###"),
                baseline?.Figures.TryGetValue(f.Key, out var then) == true ? Figures.Number(then, "0.###") : "—",
                baseline?.Figures.TryGetValue(f.Key, out var before) == true && before != 0 ? $"{(f.Value - before) / before:+0.0%;-0.0%;0.0%}" : "—",
            ]).ToList());
        ConsoleReport.Print(comparison);

        var result = Figures.Combine("gate", system.Gateway, startedAt, [("calibrate", calibrate), ("lunch", lunch), ("coupon", coupon)]);
        result = result with { Sections = [comparison, .. result.Sections] };
        await Reports.WriteAsync(result, options.ReportDir);

        if (options.WriteBaseline)
        {
            var recorded = new Baseline(DateTimeOffset.UtcNow, $"{Environment.ProcessorCount} cores, {system.Description}", figures);
            await File.WriteAllTextAsync(baselinePath, JsonSerializer.Serialize(recorded, Json) + "\n");
            Console.WriteLine($"Baseline written: {baselinePath}");
        }

        Console.WriteLine(result.Passed ? "GATE PASSED" : "GATE FAILED");
        return result.ExitCode;
    }

    private static async Task<RunResult> CalibrateAsync(SystemUnderTest system)
    {
        using var http = system.CreateClient();
        var ping = Scenario.Create("ping", async ctx =>
            {
                using var response = await http.GetAsync("/api/ping", ctx.CancellationToken);
                return Response.From(response);
            })
            .WithWarmUp(TimeSpan.FromSeconds(3))
            .WithLoadSimulations(Simulation.KeepConstant(Copies, TimeSpan.FromSeconds(10)));
        return await LoadRunner.RegisterScenarios(ping)
            .WithTestName("gate: calibrate")
            .WithTarget(system.Gateway)
            .WithThresholds(Threshold.FailPercentBelow("ping", 1))
            .RunAsync();
    }

    /// <summary>loadtests/baseline.json: the figures of a run on a reference machine, and where they came from.</summary>
    private sealed record Baseline(
        DateTimeOffset RecordedAt,
        string Note,
        [property: JsonPropertyName("figures")] Dictionary<string, double> Figures);
}
