using System.Collections.Concurrent;
using Commerce.LoadTests.Harness;
using Commerce.LoadTests.Suites.Shared;

namespace Commerce.LoadTests.Suites;

/// <summary>
/// How a coupon rush arrives. Open model: <see cref="Users"/> users at <see cref="RatePerSecond"/> each asking once, as
/// at the announced minute. Closed model (<see cref="Copies"/> set): that many callers back to back, for capacity
/// figures comparable with calibrate's at the same concurrency.
/// </summary>
public sealed record CouponRushShape(int Users, int Quantity, int RatePerSecond, int? Copies = null, TimeSpan? During = null)
{
    public static CouponRushShape Full(SuiteOptions options) => options.Copies is { } copies
        ? new(int.MaxValue, 1_000, 0, copies, options.Duration ?? TimeSpan.FromSeconds(15))
        : new(10_000, 1_000, options.Rate ?? 5_000);

    public TimeSpan Duration => During ?? TimeSpan.FromSeconds(Math.Max(1, (double)Users / RatePerSecond));
}

/// <summary>
/// Incident 2, first come first served: 10,000 users ask for 1,000 coupons in two seconds. A 201 and a 410 are both
/// answers; anything else is an error. Afterwards exactly the quantity is issued, in PostgreSQL as promised by the 201s,
/// one per user, and the campaign's own figures agree.
/// </summary>
public static class CouponRushSuite
{
    public const string Issue = "issue";

    public static async Task<int> RunAsync(SuiteOptions options)
    {
        if (options.Replicas is { } replicas)
        {
            return await ReplicaComparison.RunAsync(options, replicas, "coupon-rush",
                (system, name) => RunAsync(system, CouponRushShape.Full(options), name, _ => []),
                [
                    new("answers /s", run => Figures.Throughput(Figures.Step(run, Issue, null)), HigherIsBetter: true),
                    new("p95 ms", run => Figures.Step(run, Issue, null).Latency.P95Ms, HigherIsBetter: false),
                    new("p99 ms", run => Figures.Step(run, Issue, null).Latency.P99Ms, HigherIsBetter: false),
                    new("errors %", run => Figures.Step(run, Issue, null).FailPercent, HigherIsBetter: false),
                    new("coupons issued", run => Figures.Step(run, Issue, null).CountOf("201"), HigherIsBetter: true),
                ]);
        }

        await using var system = await SystemUnderTest.OpenAsync(options);
        var shape = CouponRushShape.Full(options);
        var result = await RunAsync(system, shape, "coupon-rush", _ =>
        [
            // The issue's targets for this machine, as they are: the report says which were met.
            // Open model: answers per second until the last answer came, not per second of arrivals.
            Threshold.Create(Issue, s => Figures.Throughput(s) >= 5_000, "≥ 5,000 answers/s until the last answer"),
            Threshold.Create(Issue, s => s.Latency.P99Ms < 50, "p99 < 50 ms"),
            Threshold.Create(Issue, s => s.Fail == 0, "no errors (410 is an answer)"),
        ]);
        await Reports.WriteAsync(result, options.ReportDir);
        return result.ExitCode;
    }

    /// <summary>
    /// One rush on <paramref name="system"/>: a warm-up campaign, the campaign, the load, the coupon invariants.
    /// <paramref name="measured"/> hears what the timed part cost the system, when its processes could be read.
    /// </summary>
    public static async Task<RunResult> RunAsync(
        SystemUnderTest system, CouponRushShape shape, string testName, Func<CouponRushShape, Threshold[]> thresholds,
        Action<CouponRushCost>? measured = null)
    {
        using var shop = new Shop(system, Shop.NewRunPrefix("cr"));
        var couponId = Guid.Empty;
        var warmUpCouponId = Guid.Empty;
        var promised = new ConcurrentQueue<string>();

        // The timed part alone, from its first call on (the warm-up compiles and connects): CPU and wall time.
        long answeredTimed = 0;
        ProcessCpu? cpuAtTimedStart = null;
        var timedClock = new System.Diagnostics.Stopwatch();
        var timedStarted = 0;

        var issue = Scenario.Create(Issue, async ctx =>
            {
                if (!ctx.IsWarmUp && Interlocked.Exchange(ref timedStarted, 1) == 0)
                {
                    cpuAtTimedStart = ProcessCpu.Snapshot(system.AppHostPid);
                    timedClock.Start();
                }

                // Each arrival is another user, once: the rush's users do not retry (a 410 is final).
                var userId = shop.UserId(ctx.InvocationNumber);
                var campaign = ctx.IsWarmUp ? warmUpCouponId : couponId;
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/coupons/{campaign}/issue");
                request.Headers.Authorization = shop.Bearer(userId);
                using var response = await shop.Http.SendAsync(request, ctx.CancellationToken);
                switch ((int)response.StatusCode)
                {
                    case 201:
                        if (!ctx.IsWarmUp)
                        {
                            promised.Enqueue(userId);
                            Interlocked.Increment(ref answeredTimed);
                        }

                        return Response.Ok(201);
                    case 410:
                        if (!ctx.IsWarmUp) Interlocked.Increment(ref answeredTimed);
                        return Response.Ok(410);
                    default:
                        return Response.Fail((int)response.StatusCode, await response.Content.ReadAsStringAsync(ctx.CancellationToken));
                }
            })
            .WithInit(async ctx =>
            {
                // The incident's rush met a system that had run all morning. So the same rush runs first as the warm-up,
                // on a campaign of its own: the measured one then meets compiled code and open connections, not a
                // process's first seconds (loadtests/README.md gives the cold figures too).
                warmUpCouponId = await shop.CreateCouponAsync($"{shop.RunPrefix} warm-up", 1_000, shape.Quantity, ctx.CancellationToken);
                couponId = await shop.CreateCouponAsync($"{shop.RunPrefix} lunch coupon", 3_000, shape.Quantity, ctx.CancellationToken);
                if (shape.Copies is null)
                {
                    for (var n = 0; n < shape.Users; n++)
                    {
                        shop.Bearer(shop.UserId(n));
                    }
                }
            })
            .WithWarmUp(shape.Copies is null ? shape.Duration : TimeSpan.FromSeconds(5))
            .WithMaxInFlight(20_000)
            .WithLoadSimulations(shape.Copies is { } copies
                ? Simulation.KeepConstant(copies, shape.Duration)
                : Simulation.Inject(shape.Users, shape.Duration, shape.Duration));

        var result = await LoadRunner.RegisterScenarios(issue)
            .WithTestName(testName)
            .WithTarget(system.Gateway)
            .WithThresholds(thresholds(shape))
            .RunAsync();
        timedClock.Stop();
        ReportSection? costSection = null;
        if (cpuAtTimedStart is not null && ProcessCpu.Snapshot(system.AppHostPid) is { } cpuAfter && Interlocked.Read(ref answeredTimed) is > 0 and var answers)
        {
            var parts = cpuAfter.Since(cpuAtTimedStart);
            var systemSeconds = ProcessCpu.SystemSeconds(parts);
            costSection = ProcessCpu.PerUnit(parts, answers, "answer", $"The rush's timed part ({answers:N0} answers, 201 or 410), every process of the system from /proc.");
            ConsoleReport.Print(costSection);
            var cost = new CouponRushCost(systemSeconds * 1000 / answers, systemSeconds / (timedClock.Elapsed.TotalSeconds * Environment.ProcessorCount));
            Console.WriteLine($"System CPU per answer in the timed part: {cost.CpuPerAnswerMs:0.00} ms ({answers:N0} answers); " +
                $"the system kept {cost.BusyShare:P0} of the machine's {Environment.ProcessorCount} cores busy");
            measured?.Invoke(cost);
        }

        Console.WriteLine("Checking the campaign …");
        var invariants = await DesignInvariants.CheckCouponAsync(system, shop, couponId, shape.Quantity, promised.ToArray(), CancellationToken.None);
        var violations = invariants.Violations.ToList();
        if (result.Scenarios.Count == 1 && result.Scenario(Issue).Stats is { Fail: 0 } stats
            && stats.CountOf("201") != Math.Min(shape.Quantity, stats.Requests))
        {
            // Every request answered: as many coupons as there were to be had (or as were asked for) went out.
            violations.Add($"{stats.CountOf("201")} coupons issued (201) for {stats.Requests} requests where {shape.Quantity} were to be had");
        }

        result = result
            .WithSection(new ReportSection(
                "Coupon rush",
                shape.Copies is { } c
                    ? $"{c} callers back to back for {shape.Duration.TotalSeconds:0} s, each call another user, for {shape.Quantity:N0} coupons on {system.Description}."
                    : $"{shape.Users:N0} users arriving at {shape.RatePerSecond:N0}/s (open model), each asking once, for {shape.Quantity:N0} coupons on {system.Description}.",
                [],
                []))
            .WithSection((invariants with { Violations = violations }).ToSection());
        if (costSection is not null) result = result.WithSection(costSection);
        return violations.Count == 0 ? result : result with { Problems = [.. result.Problems, .. violations.Select(v => "Invariant broken: " + v)] };
    }
}

/// <summary>
/// What a coupon rush's timed part cost the system: CPU milliseconds per answer (201 or 410), and the share of the
/// machine's cores its processes kept busy (a gate queued on one lock leaves them idle while it waits).
/// </summary>
public readonly record struct CouponRushCost(double CpuPerAnswerMs, double BusyShare);
