using System.Diagnostics;

namespace Commerce.LoadTests.Harness;

/// <summary>Everything a run produced; the reports are written from this alone.</summary>
public sealed record RunResult(
    string Suite,
    string Target,
    DateTimeOffset StartedAt,
    TimeSpan WallTime,
    IReadOnlyList<ScenarioResult> Scenarios,
    IReadOnlyList<ThresholdResult> Thresholds,
    IReadOnlyList<string> Problems,
    IReadOnlyList<ReportSection> Sections)
{
    /// <summary>True when every threshold passed and nothing made the figures doubtful.</summary>
    public bool Passed => Problems.Count == 0 && Scenarios.All(s => s.Problems.Count == 0) && Thresholds.All(t => t.Passed);

    public int ExitCode => Passed ? 0 : 1;

    public ScenarioResult Scenario(string name) => Scenarios.Single(s => s.Name == name);

    /// <summary>Adds a suite's own table (a comparison, the incident's figures) to every report.</summary>
    public RunResult WithSection(ReportSection section) => this with { Sections = [.. Sections, section] };
}

/// <summary>A titled table that a suite adds to the reports.</summary>
public sealed record ReportSection(string Title, string? Text, IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string>> Rows);

/// <summary>
/// Runs registered scenarios side by side, as NBomber's runner does: init each, warm up, run the load with a live
/// display, clean up, evaluate the thresholds. <c>LoadRunner.RegisterScenarios(a, b).WithThresholds(…).RunAsync()</c>.
/// </summary>
public sealed class LoadRunner
{
    private readonly IReadOnlyList<Scenario> scenarios;
    private readonly List<Threshold> thresholds = [];
    private string testName = "load test";
    private string target = "";

    private LoadRunner(IReadOnlyList<Scenario> scenarios) => this.scenarios = scenarios;

    public static LoadRunner RegisterScenarios(params Scenario[] scenarios)
    {
        var duplicate = scenarios.GroupBy(s => s.Name).FirstOrDefault(g => g.Count() > 1);
        if (scenarios.Length == 0 || duplicate is not null)
        {
            throw new ArgumentException(duplicate is null ? "Register at least one scenario." : $"Two scenarios are named {duplicate.Key}.");
        }

        return new LoadRunner(scenarios);
    }

    public LoadRunner WithThresholds(params Threshold[] rules)
    {
        thresholds.AddRange(rules);
        return this;
    }

    public LoadRunner WithTestName(string name)
    {
        testName = name;
        return this;
    }

    /// <summary>Only recorded in the reports: the scenarios themselves decide where their requests go.</summary>
    public LoadRunner WithTarget(Uri url)
    {
        target = url.ToString();
        return this;
    }

    /// <summary>Runs everything; Ctrl+C stops the load early and still returns (partial, failed) figures.</summary>
    public async Task<RunResult> RunAsync(CancellationToken cancellationToken = default)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ConsoleCancelEventHandler onCtrlC = (_, e) =>
        {
            if (!stop.IsCancellationRequested)
            {
                e.Cancel = true;
                Console.Error.WriteLine("Stopping the load (Ctrl+C again kills the process).");
                stop.Cancel();
            }
        };
        Console.CancelKeyPress += onCtrlC;
        try
        {
            var result = await RunScenariosAsync(stop.Token);
            ConsoleReport.Print(result);
            return result;
        }
        finally
        {
            Console.CancelKeyPress -= onCtrlC;
        }
    }

    private async Task<RunResult> RunScenariosAsync(CancellationToken stop)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var wall = Stopwatch.StartNew();
        var problems = new List<string>();
        var results = new List<ScenarioResult>();
        var initialised = new List<Scenario>();
        try
        {
            foreach (var scenario in scenarios)
            {
                if (scenario.Init is not null)
                {
                    Console.WriteLine($"Init {scenario.Name}…");
                    await scenario.Init(new ScenarioInitContext(scenario.Name, stop));
                }

                initialised.Add(scenario);
            }

            var progress = scenarios.Select(s => new ScenarioProgress(s.Name)).ToList();
            var runs = scenarios.Select((scenario, i) => RunOneAsync(scenario, progress[i], stop));
            results.AddRange(await LiveProgress.ShowWhileAsync(Task.WhenAll(runs), progress));
        }
        catch (Exception exception) when (results.Count == 0)
        {
            problems.Add($"The run failed before any figures were taken: {exception.GetType().Name}: {exception.Message}");
        }
        finally
        {
            foreach (var scenario in initialised.Where(s => s.Clean is not null))
            {
                try
                {
                    await scenario.Clean!(new ScenarioInitContext(scenario.Name, CancellationToken.None));
                }
                catch (Exception exception)
                {
                    problems.Add($"Clean of {scenario.Name} failed: {exception.Message}");
                }
            }
        }

        if (stop.IsCancellationRequested)
        {
            problems.Add("Interrupted before the load finished: the figures are partial.");
        }

        return new RunResult(testName, target, startedAt, wall.Elapsed, results, Threshold.Evaluate(thresholds, results), problems, []);
    }

    private static async Task<ScenarioResult> RunOneAsync(Scenario scenario, ScenarioProgress progress, CancellationToken stop)
    {
        if (scenario.WarmUp > TimeSpan.Zero)
        {
            var warmUp = new ScenarioRun(scenario, LoadSimulation.Truncate(scenario.Simulations, scenario.WarmUp), isWarmUp: true);
            progress.Current = warmUp;
            await warmUp.ExecuteAsync(stop);
        }

        var run = new ScenarioRun(scenario, scenario.Simulations, isWarmUp: false);
        progress.Current = run;
        return await run.ExecuteAsync(stop);
    }
}
