using System.Text.Json;
using System.Text.Json.Serialization;
using Commerce.LoadTests.Harness;
using Commerce.LoadTests.Suites.Shared;

namespace Commerce.LoadTests.Suites;

/// <summary>
/// The release gate: calibrate, then a short lunch rush and a short coupon rush at calibrate's concurrency. Each
/// throughput must reach a share of the baseline's ratio to calibrate times this run's calibrate (see
/// <see cref="Bars"/>), plus generous floors, and error and latency limits; and the system's CPU per order and per coupon
/// answer, counted in pings' worth, must stay near the baseline's. A global order lock (409s, and its cost per order) or a
/// database-locked coupon gate (about a third of the issues per ping, three times the CPU per answer) fails it. Prints the change of every figure
/// against loadtests/baseline.json; --write-baseline records this run as the new one.
/// </summary>
public static class GateSuite
{
    /// <summary>
    /// A run may fall to this share of the baseline's order rate (scaled down by calibrate) before the gate fails: a floor
    /// for speed. Which design is running is the cost bar's work (<see cref="CpuPerOrderOverBaseline"/>). The share was 0.8
    /// of the baseline (59.3 orders/s, 2026-12-01) until a new machine of the same kind (2026-12-02) ran the same build at
    /// 29.3–38.5 orders/s with calibrate at 0.63–1.04 of the baseline's: orders cost it 1.6× the CPU, pings 1.2×, so
    /// calibrate cannot scale this bar for it. At 0.45 (26.7 orders/s) that machine clears it by 10 % and more.
    /// </summary>
    private const double OrdersShareOfBaseline = 0.45;

    /// <summary>
    /// The accept bar follows the rate the run reached: at 50 callers the mean accept is 50 ÷ orders/s (Little's law), and
    /// a p95 over 3× that mean means some callers wait far longer than the queue explains (starved, or stalled). How fast
    /// the orders go is the orders bar's job. Healthy gates measured 1.9–2.6× (baseline 1,628 ms at 59.3/s; 4,141 ms at
    /// 29.3/s on a slower machine).
    /// </summary>
    private const double AcceptP95OverLittlesMean = 3;

    /// <summary>
    /// The completion bar at the baseline's calibrate, stretched by <see cref="LatencyAllowance"/>. Healthy fresh gates
    /// measured 2.6–3.7 s on the baseline's machine and 5.1–7.0 s on the slower one (before the commit round went: about 7
    /// s on the baseline's machine).
    /// </summary>
    private const double CompletionP95BarMs = 8_000;

    /// <summary>The accept p95 bar for a lunch rush that accepted <paramref name="ordersPerSecond"/> (see <see cref="AcceptP95OverLittlesMean"/>).</summary>
    public static double AcceptP95BarMs(double ordersPerSecond) =>
        ordersPerSecond <= 0 ? 0 : AcceptP95OverLittlesMean * Copies * 1000 / ordersPerSecond;

    /// <summary>
    /// The issue bar's share of the baseline's issues per ping: 0.7 × 0.160 (833 issues/s at 5,194 pings/s, recorded
    /// 2026-12-01) = 0.112 issues per ping. Against the calibrate right before the coupon rush, healthy gates measured
    /// 0.169–0.224 issues per ping (2026-12-07: five fresh gates on one machine and a CI run) and the database-locked gate
    /// 0.044–0.062, but 0.091 in one CI run, which cleared the bar of 0.080 (share 0.5) it had then. At 0.112 the bar sits
    /// 1.5× under the slowest healthy run and 1.2× over that locked one; the cost bar (<see cref="CpuPerAnswerOverBaseline"/>)
    /// reads the same design a second way, through CPU rather than rate (not independent: a slow answer costs both).
    /// History: 0.3 of an older baseline (0.12 per ping) before Aspire, when both sides were cheaper; 0.5 on Aspire after
    /// a healthy CI run read 0.12 against the first calibrate.
    /// </summary>
    private const double IssuesShareOfBaseline = 0.7;

    /// <summary>
    /// How far the system's CPU per order, counted in pings' worth of CPU, may rise over the baseline's before the gate
    /// fails. Both are measured in the same run, so a machine that is slower all round raises both. On one machine
    /// (2026-12-07, fresh systems, `gate --start`): this build 91–123 pings' worth per order in nine gates (mean 104.9),
    /// the first orders that took for good (ef8f6fd) 156 and 200, the saga with a commit round (27b36e2) 162–241 in six
    /// (mean 202). At 1.4 × 104.9 = 147 a build that loses half of the gain over the commit round (about 154) fails, and
    /// the slowest healthy gate seen (123) clears it by a fifth. The ping is the noisy side: the same build pinged at
    /// 0.33–0.53 ms of CPU while its orders held 34–52 ms.
    /// </summary>
    private const double CpuPerOrderOverBaseline = 1.4;

    /// <summary>
    /// How far the system's CPU per coupon answer, counted in pings' worth of CPU (the calibrate right before the coupon
    /// rush), may rise over the baseline's before the gate fails. Queued on the campaign's row, the system stays nearly as
    /// busy (81–86 % of the cores against 86–89 % with the Redis gate) but answers a third as often; Coupon, the Gateway
    /// and PostgreSQL each spend 2.5–3.7× the CPU per answer (where it goes is not profiled). Five fresh gates each way on
    /// one machine (2026-12-07): the Redis gate 5.0–6.1 pings' worth per answer (mean 5.49, the baseline), the row lock
    /// 14.8–21.3. At 1.8 × 5.49 = 9.9 the bar sits 1.6× over the slowest healthy gate and 1.5× under the cheapest locked
    /// one; CI runs on 2026-12-08 read the row lock at 11.0–12.7, closer.
    /// </summary>
    private const double CpuPerAnswerOverBaseline = 1.8;

    private const double OrdersFloor = 10;

    private const double IssuesFloor = 50;

    private const int Copies = 50;

    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The lunch rush's untimed lead-in. The gate starts a fresh system, whose services compile their hot code during the
    /// first rush: with 3 s the timed part still met the JIT, and the same build measured 35 and 19 orders/s (0 and 12 %
    /// orders_busy) in two runs the same hour. With 10 s a fresh system still stalled for 1–4 s around the tenth second of
    /// its first rush (seconds with 0–9 orders in four of six gates, 2026-12-07), inside the timed part, and a CI run
    /// failed the accept bar on it (p95 3,914 ms at 44.5 orders/s, 3.5× Little's mean) while its build had not changed.
    /// At 20 s three gates kept 1.8–2.1×; a warm system shows no such stall. The judged part is the design's, which is
    /// what the gate gates.
    /// </summary>
    private static readonly TimeSpan LunchWarmUp = TimeSpan.FromSeconds(20);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>
    /// The throughput bars for a run whose calibrate measured <paramref name="calibrateRps"/>. Orders: the baseline's
    /// rate scaled by calibrate only downwards (min(1, calibrate ÷ baseline calibrate)): orders are bound by the saga's
    /// CPU, not by the ping path, and a bar scaled up with a fast ping failed a healthy CI run at 37 orders/s against 51.
    /// Issues: a share of the baseline's issues per ping times the calibrate taken right before the coupon rush, both
    /// ways: an issue is one request through the same Gateway, and it follows calibrate (0.18–0.51 issues per ping while
    /// calibrate ran from 2,500 to 10,500). Capped like orders, a DbLock gate passed on a fast machine (529 issues/s, 0.09
    /// per ping, against a bar of 504). The row lock held 220–630 issues/s whatever calibrate was, so on a machine whose
    /// calibrate falls under about 3,500 pings/s the locked gate can clear the bar: there the gate cannot tell it (ours
    /// measure 3,600–6,400 on Aspire).
    /// </summary>
    public static (double Orders, double Issues) Bars(Baseline? baseline, double calibrateRps)
    {
        var baselineCalibrate = baseline?.Figures.GetValueOrDefault("calibrate.rps") ?? 0;
        if (baselineCalibrate <= 0)
        {
            return (OrdersFloor, IssuesFloor);
        }

        var scale = calibrateRps / baselineCalibrate;
        return (
            Math.Max(OrdersFloor, OrdersShareOfBaseline * baseline!.Figures.GetValueOrDefault("lunch.acceptRps") * Math.Min(1, scale)),
            Math.Max(IssuesFloor, IssuesShareOfBaseline * baseline.Figures.GetValueOrDefault("coupon.issueRps") * scale));
    }

    /// <summary>
    /// How much longer than its bar the completion may take on a run whose calibrate measured
    /// <paramref name="calibrateRps"/>: baseline calibrate ÷ calibrate, never under 1. At 50 callers a latency is 50 ÷
    /// the order rate, so it must move with the orders bar, which calibrate lowers the same way. With fixed bars a healthy
    /// build on a machine pinging at 3,248/s (0.63 of the baseline) made 34.2 orders/s against a bar of 29.7 and failed
    /// the accept bar at 2,529 ms against 2,500 (2026-12-02).
    /// </summary>
    public static double LatencyAllowance(Baseline? baseline, double calibrateRps)
    {
        var baselineCalibrate = baseline?.Figures.GetValueOrDefault("calibrate.rps") ?? 0;
        return baselineCalibrate <= 0 || calibrateRps <= 0 ? 1 : Math.Max(1, baselineCalibrate / calibrateRps);
    }

    public static async Task<int> RunAsync(SuiteOptions options)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var baselinePath = Path.Combine(options.RepoRoot, "loadtests", "baseline.json");
        var baseline = File.Exists(baselinePath) ? JsonSerializer.Deserialize<Baseline>(await File.ReadAllTextAsync(baselinePath), Json) : null;
        await using var system = await SystemUnderTest.OpenAsync(options);

        var (calibrate, cpuPerPing) = await CalibrateAsync(system, "gate: calibrate");
        var ping = calibrate.Scenario("ping").Stats;
        double? cpuPerOrder = null;
        double? cpuPerOrderTimed = null;
        var lunchRequired = Bars(baseline, ping.OkRps).Orders;
        var latencyAllowance = LatencyAllowance(baseline, ping.OkRps);
        var lunch = await LunchRushSuite.RunAsync(
            system,
            new LunchRushShape(2_000, Copies, Duration, LunchWarmUp),
            "gate: lunch rush",
            _ =>
            [
                Threshold.OkRpsAtLeast(LunchRushSuite.Orders, lunchRequired, LunchRushSuite.Accept),
                // A global lock shows here: users refused with 409 order_in_progress while others hold it.
                Threshold.FailPercentBelow(LunchRushSuite.Orders, 1, LunchRushSuite.Accept),
                Threshold.Create(
                    LunchRushSuite.Orders, LunchRushSuite.Accept, s => s.Latency.P95Ms < AcceptP95BarMs(s.OkRps),
                    $"p95 < {AcceptP95OverLittlesMean} × {Copies} callers ÷ orders/s (Little's law)"),
                Threshold.LatencyP95Below(LunchRushSuite.Completion, CompletionP95BarMs * latencyAllowance, LunchRushSuite.PostToFinal),
                Threshold.Create(LunchRushSuite.Completion, LunchRushSuite.PostToFinal, s => s.Fail == 0, "every sampled order final within 30 s"),
            ],
            measured => (cpuPerOrder, cpuPerOrderTimed) = (measured.WithWarmUp, measured.Timed));
        var cpuPerOrderVsPing = cpuPerOrder / cpuPerPing;
        if (CpuPerOrderVsPingBar(baseline) is { } cpuBar)
        {
            lunch = WithCostBar(
                lunch, LunchRushSuite.Orders, "order", $"system CPU per order ≤ {cpuBar:0} pings' worth ({CpuPerOrderOverBaseline} × the baseline's)",
                cpuPerOrderVsPing, cpuBar, seen => $"{cpuPerOrder:0.0} ms per order ÷ {cpuPerPing:0.000} ms per ping = {seen:0}");
        }

        // The issue bar follows a calibrate taken right before the coupon rush, on the machine as the rush will find it:
        // the first calibrate meets a system minutes old and measured 3,600 to 5,800 pings/s in three gates in a row.
        var (recalibrate, cpuPerPingBeforeCoupons) = await CalibrateAsync(system, "gate: calibrate before the coupon rush");
        var pingBeforeCoupons = recalibrate.Scenario("ping").Stats;
        var couponRequired = Bars(baseline, pingBeforeCoupons.OkRps).Issues;
        CouponRushCost? couponCost = null;
        var coupon = await CouponRushSuite.RunAsync(
            system,
            new CouponRushShape(int.MaxValue, 10_000_000, 0, Copies, Duration), // every call a new user, the quantity never reached: each is a real issue
            "gate: coupon rush",
            _ =>
            [
                Threshold.OkRpsAtLeast(CouponRushSuite.Issue, couponRequired),
                Threshold.FailPercentBelow(CouponRushSuite.Issue, 1),
                Threshold.LatencyP95Below(CouponRushSuite.Issue, 1_000),
            ],
            measured => couponCost = measured);
        var cpuPerAnswerVsPing = couponCost is { } couponCpu && cpuPerPingBeforeCoupons > 0 ? couponCpu.CpuPerAnswerMs / cpuPerPingBeforeCoupons.Value : (double?)null;
        if (CpuPerAnswerVsPingBar(baseline) is { } answerBar)
        {
            coupon = WithCostBar(
                coupon, CouponRushSuite.Issue, "coupon answer", $"system CPU per answer ≤ {answerBar:0.0} pings' worth ({CpuPerAnswerOverBaseline} × the baseline's)",
                cpuPerAnswerVsPing, answerBar, seen => $"{couponCost!.Value.CpuPerAnswerMs:0.00} ms per answer ÷ {cpuPerPingBeforeCoupons:0.000} ms per ping = {seen:0.0}");
        }

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
            ["calibrate.beforeCouponsRps"] = pingBeforeCoupons.OkRps,
            ["coupon.issueVsCalibrate"] = pingBeforeCoupons.OkRps <= 0 ? 0 : (issue?.OkRps ?? 0) / pingBeforeCoupons.OkRps,
            ["calibrate.cpuPerPingMs"] = cpuPerPing ?? 0,
            ["calibrate.beforeCouponsCpuPerPingMs"] = cpuPerPingBeforeCoupons ?? 0,
            ["lunch.cpuPerOrderMs"] = cpuPerOrder ?? 0,
            ["lunch.cpuPerOrderVsPing"] = cpuPerOrderVsPing ?? 0,
            ["lunch.timedCpuPerOrderMs"] = cpuPerOrderTimed ?? 0,
            ["coupon.cpuPerAnswerMs"] = couponCost?.CpuPerAnswerMs ?? 0,
            ["coupon.cpuPerAnswerVsPing"] = cpuPerAnswerVsPing ?? 0,
            ["coupon.busyShare"] = couponCost?.BusyShare ?? 0,
        };

        var comparison = new ReportSection(
            "Against the baseline",
            baseline is null
                ? $"No {baselinePath} yet: record one with --write-baseline."
                : $"Baseline recorded {baseline.RecordedAt:u} ({baseline.Note}). Thresholds: orders/s ≥ max({OrdersFloor}, {OrdersShareOfBaseline} × baseline orders/s × min(1, calibrate ÷ baseline calibrate)) = {lunchRequired:0.#}; " +
                  $"completion p95 < {CompletionP95BarMs / 1000:0.#} s × max(1, baseline calibrate ÷ calibrate) = {CompletionP95BarMs * latencyAllowance / 1000:0.#} s; " +
                  $"coupon issues/s ≥ max({IssuesFloor}, {IssuesShareOfBaseline} × baseline issues per ping × the calibrate before the coupon rush) = {couponRequired:0.#}.",
            ["figure", "this run", "baseline", "change"],
            figures.Select(f => (IReadOnlyList<string>)
            [
                f.Key,
                Figures.Number(f.Value, "0.###"),
                baseline?.Figures.TryGetValue(f.Key, out var then) == true ? Figures.Number(then, "0.###") : "—",
                baseline?.Figures.TryGetValue(f.Key, out var before) == true && before != 0 ? $"{(f.Value - before) / before:+0.0%;-0.0%;0.0%}" : "—",
            ]).ToList());
        ConsoleReport.Print(comparison);

        var result = Figures.Combine("gate", system.Gateway, startedAt, [("calibrate", calibrate), ("lunch", lunch), ("calibrate before coupons", recalibrate), ("coupon", coupon)]);
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

    /// <summary>
    /// <paramref name="run"/> with a cost bar's verdict added (<paramref name="costVsPing"/>, in pings' worth, at most
    /// <paramref name="bar"/>; unmeasured fails), printed as the other verdicts are.
    /// </summary>
    private static RunResult WithCostBar(
        RunResult run, string scenario, string unit, string description, double? costVsPing, double bar, Func<double, string> observed)
    {
        var judged = new ThresholdResult(
            scenario, null, description,
            costVsPing is { } cost && cost <= bar,
            costVsPing is { } seen ? observed(seen) : "not measured (the system's processes could not be read)");
        Console.WriteLine($"{(judged.Passed ? "PASS" : "FAIL")} gate: cost per {unit}: {judged.Description}: {judged.Observed}");
        return run with { Thresholds = [.. run.Thresholds, judged] };
    }

    /// <summary>
    /// Calibrate, and the system's CPU milliseconds per ping over all of it (warm-up included, as the lunch rush counts its
    /// warm-up's orders); null when the system's processes cannot be read (a system the gate did not start or find).
    /// </summary>
    private static async Task<(RunResult Run, double? CpuPerPing)> CalibrateAsync(SystemUnderTest system, string testName)
    {
        using var http = system.CreateClient();
        long answered = 0;
        var ping = Scenario.Create("ping", async ctx =>
            {
                using var response = await http.GetAsync("/api/ping", ctx.CancellationToken);
                if (response.IsSuccessStatusCode) Interlocked.Increment(ref answered);
                return Response.From(response);
            })
            .WithWarmUp(TimeSpan.FromSeconds(3))
            .WithLoadSimulations(Simulation.KeepConstant(Copies, TimeSpan.FromSeconds(10)));
        var before = ProcessCpu.Snapshot(system.AppHostPid);
        var run = await LoadRunner.RegisterScenarios(ping)
            .WithTestName(testName)
            .WithTarget(system.Gateway)
            .WithThresholds(Threshold.FailPercentBelow("ping", 1))
            .RunAsync();
        var pings = Interlocked.Read(ref answered);
        var cpuPerPing = before is not null && ProcessCpu.Snapshot(system.AppHostPid) is { } after && pings > 0
            ? ProcessCpu.SystemSeconds(after.Since(before)) * 1000 / pings
            : (double?)null;
        return (run, cpuPerPing);
    }

    /// <summary>
    /// The cost bar: the system's CPU per accepted order in the lunch rush, over its CPU per ping in the calibrate before
    /// it, may be at most <see cref="CpuPerOrderOverBaseline"/> × the baseline's. Both are measured in this run on this
    /// machine, so a slower CPU raises both. Null (not judged) without both figures or without a baseline figure.
    /// </summary>
    public static double? CpuPerOrderVsPingBar(Baseline? baseline) =>
        baseline?.Figures.GetValueOrDefault("lunch.cpuPerOrderVsPing") is > 0 and var recorded ? CpuPerOrderOverBaseline * recorded : null;

    /// <summary>
    /// The coupon cost bar: the system's CPU per answer in the coupon rush's timed part, over its CPU per ping in the
    /// calibrate right before it, may be at most <see cref="CpuPerAnswerOverBaseline"/> × the baseline's. Null (not
    /// judged) without a baseline figure.
    /// </summary>
    public static double? CpuPerAnswerVsPingBar(Baseline? baseline) =>
        baseline?.Figures.GetValueOrDefault("coupon.cpuPerAnswerVsPing") is > 0 and var recorded ? CpuPerAnswerOverBaseline * recorded : null;

    /// <summary>loadtests/baseline.json: the figures of a run on a reference machine, and where they came from.</summary>
    public sealed record Baseline(
        DateTimeOffset RecordedAt,
        string Note,
        [property: JsonPropertyName("figures")] Dictionary<string, double> Figures);
}
