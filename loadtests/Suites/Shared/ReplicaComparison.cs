using Commerce.LoadTests.Harness;

namespace Commerce.LoadTests.Suites.Shared;

/// <summary>
/// <c>lunch-rush --replicas N</c> and <c>coupon-rush --replicas N</c>: the same rush on a fresh system with one copy of
/// every service, then on one with N, side by side, with the memory each copy takes. On two cores more copies add no
/// CPU: the figures say what a replica costs, the correctness checks (invariants, exact coupons) that it stays right.
/// </summary>
public static class ReplicaComparison
{
    /// <summary>A figure of a run: its label, how to read it from the run, and whether more is better (for the ratio).</summary>
    public sealed record Figure(string Label, Func<RunResult, double> Read, bool HigherIsBetter);

    public static async Task<int> RunAsync(
        SuiteOptions options, int replicas, string suite, Func<SystemUnderTest, string, Task<RunResult>> rush, IReadOnlyList<Figure> figures)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var parts = new List<(string Label, RunResult Run)>();
        var memory = new List<double?>();
        Uri? target = null;
        foreach (var copies in new[] { 1, replicas })
        {
            var settings = new Dictionary<string, string>(options.Settings) { ["Replicas"] = copies.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            await using var system = await SystemUnderTest.StartAsync(options, settings, $"{suite}-replicas-{copies}");
            target ??= system.Gateway;
            var label = copies == 1 ? "1 replica" : $"{copies} replicas";
            parts.Add((label, await rush(system, $"{suite} ({label})")));
            memory.Add(system.AppHostPid is { } pid ? ServiceMemory.MeanPerCopyMegabytes(pid) : null);
        }

        var (one, many) = (parts[0].Run, parts[1].Run);
        var rows = figures.Select(figure =>
        {
            var (a, b) = (figure.Read(one), figure.Read(many));
            return (IReadOnlyList<string>)[figure.Label, Figures.Number(a), Figures.Number(b),
                figure.HigherIsBetter ? Figures.Ratio(b, a) : Figures.Ratio(a, b)];
        }).ToList();
        rows.Add(["memory per service copy (MB RSS, after the rush)", Figures.Number(memory[0] ?? double.NaN), Figures.Number(memory[1] ?? double.NaN), ""]);
        var table = new ReportSection(
            $"{suite}: 1 vs {replicas} replicas",
            $"The same rush on a fresh system with one copy of Order, Stock, Wallet, Coupon and Notification, then with {replicas}. " +
            "The ratio is the replicas' figure against one copy's, better-is-higher. On this machine the copies share two cores.",
            ["figure", "1 replica", $"{replicas} replicas", $"{replicas} vs 1"],
            rows);

        var result = Figures.Combine($"{suite}-replicas", target!, startedAt, parts);
        result = result with { Sections = [table, .. result.Sections] };
        ConsoleReport.Print(table);
        await Reports.WriteAsync(result, options.ReportDir);
        return result.ExitCode;
    }
}

/// <summary>The resident memory of the services an AppHost runs (its descendants under services/, not their dotnet-run launchers).</summary>
public static class ServiceMemory
{
    public static double? MeanPerCopyMegabytes(int appHostPid)
    {
        var services = new List<double>();
        foreach (var pid in CoreSplit.ProcessTree(appHostPid))
        {
            try
            {
                var command = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0')[0];
                if (!command.Contains("/services/", StringComparison.Ordinal) || command.EndsWith("dotnet", StringComparison.Ordinal)) continue;
                if (File.ReadLines($"/proc/{pid}/status").FirstOrDefault(line => line.StartsWith("VmRSS:", StringComparison.Ordinal)) is { } rss)
                {
                    services.Add(double.Parse(rss.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024);
                }
            }
            catch (IOException)
            {
            }
        }

        // The Gateway is one copy either way: the mean is over every service process, so it moves little with it.
        return services.Count == 0 ? null : services.Average();
    }
}
