using System.Globalization;
using Spectre.Console;

namespace Commerce.LoadTests.Harness;

/// <summary>Which run of a scenario (warm-up or the real one) the live display should show.</summary>
internal sealed class ScenarioProgress(string name)
{
    public string Name => name;

    public ScenarioRun? Current { get; set; }
}

/// <summary>Shows each scenario's elapsed time, rate, p95 and failures while the load runs: a live table on a terminal, a line every few seconds in CI logs.</summary>
internal static class LiveProgress
{
    private static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(5);

    public static async Task<T> ShowWhileAsync<T>(Task<T> work, IReadOnlyList<ScenarioProgress> scenarios)
    {
        if (IsInteractive())
        {
            var table = new Table().Border(TableBorder.Rounded)
                .AddColumns("scenario", "phase", "elapsed", "req/s", "p95 ms", "OK", "failed", "in flight");
            await AnsiConsole.Live(table).StartAsync(async live =>
            {
                do
                {
                    table.Rows.Clear();
                    foreach (var row in scenarios.Select(Cells))
                    {
                        table.AddRow(row);
                    }

                    live.Refresh();
                    await Task.WhenAny(work, Task.Delay(500));
                }
                while (!work.IsCompleted);
            });
        }
        else
        {
            while (await Task.WhenAny(work, Task.Delay(LogInterval)) != work)
            {
                foreach (var cells in scenarios.Select(Cells))
                {
                    Console.WriteLine(
                        $"{cells[0]} {cells[1]} {cells[2]}: {cells[3]} req/s, p95 {cells[4]} ms, {cells[5]} OK, {cells[6]} failed, {cells[7]} in flight");
                }
            }
        }

        return await work;
    }

    private static bool IsInteractive() =>
        !Console.IsOutputRedirected
        && AnsiConsole.Profile.Capabilities.Interactive
        && Environment.GetEnvironmentVariable("CI") is null;

    private static string[] Cells(ScenarioProgress scenario)
    {
        var run = scenario.Current;
        if (run is null)
        {
            return [scenario.Name, "waiting", "", "", "", "", "", ""];
        }

        var latest = run.Collector.Latest;
        return
        [
            scenario.Name,
            run.Phase,
            $"{run.Elapsed.TotalSeconds:0}/{run.Duration.TotalSeconds:0} s",
            latest is null ? "" : Format.Rate(latest.Rps),
            latest?.P95Ms is { } p95 ? Format.Ms(p95) : "",
            run.Collector.Ok.ToString("#,0", CultureInfo.InvariantCulture),
            run.Collector.Fail.ToString("#,0", CultureInfo.InvariantCulture),
            run.InFlight.ToString(CultureInfo.InvariantCulture),
        ];
    }
}
