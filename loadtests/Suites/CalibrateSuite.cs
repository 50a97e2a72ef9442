using System.Diagnostics;
using Commerce.LoadTests.Harness;

namespace Commerce.LoadTests.Suites;

/// <summary>
/// Measures the cheapest request there is (GET /api/ping through the Gateway, anonymous, "pong") to show what the
/// harness and the machine can do before any suite blames the system; with --compare, wrk and hey measure the same.
/// </summary>
public static class CalibrateSuite
{
    public static async Task<int> RunAsync(SuiteOptions options)
    {
        var copies = options.Copies ?? 50;
        var duration = options.Duration ?? TimeSpan.FromSeconds(15);
        if (options.Compare && options.Rate is not null)
        {
            throw new UsageException("--compare runs wrk and hey, which are closed-model tools: use --copies, not --rate.");
        }

        await using var system = await SystemUnderTest.OpenAsync(options);
        var url = new Uri(system.Gateway, "/api/ping");
        using var http = system.CreateClient();
        var ping = Ping(http, url)
            .WithWarmUp(TimeSpan.FromSeconds(5))
            .WithLoadSimulations(options.Rate is { } rate
                ? Simulation.InjectPerSec(rate, duration)
                : Simulation.KeepConstant(copies, duration));

        var result = await LoadRunner.RegisterScenarios(ping)
            .WithTestName("calibrate")
            .WithTarget(url)
            .WithThresholds(Threshold.FailPercentBelow("ping", 0.1))
            .RunAsync();

        if (result.Scenarios.Count > 0 && result.Scenario("ping").Stats.CountOf("429") > 0)
        {
            var hint = "The Gateway's rate limit answered 429: start the system for load with a higher limit, " +
                "e.g. RateLimiting__PermitLimit=10000000 ./run.sh";
            Console.WriteLine(hint);
            result = result.WithSection(new ReportSection("Rate limited", hint, [], []));
        }

        if (options.Compare && result.Scenarios.Count > 0)
        {
            using var split = options.SplitCores
                ? await CoreSplit.ApplyAsync(system.AppHostPid
                    ?? throw new UsageException("--split-cores needs the system's processes: use --start or the AppHost's endpoints.json, not --target."))
                : null;
            if (split is not null)
            {
                // One core for the whole system re-tiers its hot code; measured without this, the rounds drifted upwards.
                Console.WriteLine("Warming up the system on its core (not counted) …");
                await MeasureHarnessAsync(http, url, copies, duration, round: 0);
            }

            var runs = new List<(int Round, ToolMeasurement Measurement)>();
            for (var round = 1; round <= options.Rounds; round++)
            {
                foreach (var tool in ReferenceTools.OrderOfRound(round))
                {
                    Console.WriteLine($"Round {round} of {options.Rounds}: {tool}");
                    runs.Add((round, tool == ReferenceTools.Harness
                        ? await MeasureHarnessAsync(http, url, copies, duration, round)
                        : await ReferenceTools.MeasureAsync(tool, url, copies, duration, split)));
                }
            }

            var comparison = ReferenceTools.Comparison(runs, split);
            ConsoleReport.Print(comparison);
            result = result.WithSection(comparison);
        }

        await Reports.WriteAsync(result, options.ReportDir);
        return result.ExitCode;
    }

    private static Scenario Ping(HttpClient http, Uri url) => Scenario.Create("ping", async ctx =>
    {
        using var response = await http.GetAsync(url, ctx.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(ctx.CancellationToken);
        return !response.IsSuccessStatusCode ? Response.From(response)
            : body == "pong" ? Response.Ok()
            : Response.Fail("unexpected-body", $"expected pong, got {body[..Math.Min(body.Length, 40)]}");
    });

    /// <summary>One comparison round of the harness: the same scenario, already warm, and the CPU this process spent on it.</summary>
    private static async Task<ToolMeasurement> MeasureHarnessAsync(HttpClient http, Uri url, int copies, TimeSpan duration, int round)
    {
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var run = await LoadRunner.RegisterScenarios(Ping(http, url).WithLoadSimulations(Simulation.KeepConstant(copies, duration)))
            .WithTestName($"calibrate: comparison round {round}")
            .WithTarget(url)
            .RunAsync();
        return ToolMeasurement.FromHarness(run.Scenario("ping").Stats, Process.GetCurrentProcess().TotalProcessorTime - cpuBefore);
    }
}
