using Commerce.LoadTests.Harness;

namespace Commerce.LoadTests.Suites;

/// <summary>A suite: one file in Suites/ with <c>static Task&lt;int&gt; RunAsync(SuiteOptions)</c> returning the exit code.</summary>
/// <summary>A suite by name. <paramref name="StartsItsOwnSystems"/>: it always runs on systems it starts (--start is implied).</summary>
public sealed record SuiteEntry(string Description, Func<SuiteOptions, Task<int>> RunAsync, bool StartsItsOwnSystems = false);

/// <summary>The suites <c>dotnet run --project loadtests -- &lt;suite&gt;</c> knows by name.</summary>
public static class SuiteRegistry
{
    public static IReadOnlyDictionary<string, SuiteEntry> All { get; } = new Dictionary<string, SuiteEntry>(StringComparer.OrdinalIgnoreCase)
    {
        ["calibrate"] = new(
            "GET /api/ping through the Gateway: closed model at --copies (50) for --duration (15s); --rate N for the open model; " +
            "--compare also runs wrk and hey", CalibrateSuite.RunAsync),
        ["lunch-rush"] = new(
            "incident 1: 5,000 funded users, --copies (100) placing orders back to back (or --rate N arriving per second) for " +
            "--duration (30s); acceptance and completion; " +
            "invariants checked after", LunchRushSuite.RunAsync),
        ["coupon-rush"] = new(
            "incident 2: 10,000 users arriving at --rate (5,000/s) for 1,000 coupons; exactly 1,000 issued, 0 errors; " +
            "--copies N for the closed model", CouponRushSuite.RunAsync),
        ["storefront-mix"] = new(
            "reads and writes in a storefront's proportions at --rate (400/s) for --duration (30s); invariants checked after",
            StorefrontMixSuite.RunAsync),
        ["replay"] = new(
            "both incidents side by side: starts the system with User lock + Redis gate, then Global lock + DbLock; " +
            $"a lunch crowd of {ReplaySuite.LunchCrowdPerSecond} orders/s (--copies N: N ordering back to back), the coupon rush at --rate (5,000/s); " +
            "compares, and watches the alerts", ReplaySuite.RunAsync, StartsItsOwnSystems: true),
        ["idle"] = new(
            "one order on an idle system: one user, one order at a time, 200 orders (after 20 untimed) polled every 1 ms until final; " +
            "POST → final p50 ≤ 12 ms, p99 ≤ 30 ms, all Completed; invariants checked after", IdleSuite.RunAsync),
        ["gate"] = new(
            "the release gate: calibrate, then 15 s of lunch rush and of coupon rush, judged against calibrate and " +
            "loadtests/baseline.json", GateSuite.RunAsync),
    };
}
