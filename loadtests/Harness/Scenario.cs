namespace Commerce.LoadTests.Harness;

/// <summary>
/// A named piece of load: the function one virtual user runs per invocation, and how much load to put on it
/// (<see cref="Simulation"/>). Build with <see cref="Create"/> and the <c>With…</c> methods, as in NBomber.
/// </summary>
public sealed record Scenario
{
    private Scenario(string name, Func<ScenarioContext, Task<Response>> run) => (Name, Run) = (name, run);

    public string Name { get; }

    internal Func<ScenarioContext, Task<Response>> Run { get; }

    internal Func<ScenarioInitContext, Task>? Init { get; private init; }

    internal Func<ScenarioInitContext, Task>? Clean { get; private init; }

    internal IReadOnlyList<LoadSimulation> Simulations { get; private init; } =
        [Simulation.KeepConstant(1, TimeSpan.FromSeconds(10))];

    internal TimeSpan WarmUp { get; private init; }

    /// <summary>Open model only: invocations beyond this many in flight are not started and count as "overloaded" failures.</summary>
    internal int MaxInFlight { get; private init; } = 10_000;

    /// <summary>How long invocations still running when the load ends may take to finish before they are cancelled.</summary>
    internal TimeSpan GracefulStop { get; private init; } = TimeSpan.FromSeconds(10);

    public static Scenario Create(string name, Func<ScenarioContext, Task<Response>> run)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new Scenario(name, run);
    }

    /// <summary>Runs once before the load (and before the warm-up), e.g. to create the users and products the load needs.</summary>
    public Scenario WithInit(Func<ScenarioInitContext, Task> init) => this with { Init = init };

    /// <summary>Runs once after the load, also when it failed.</summary>
    public Scenario WithClean(Func<ScenarioInitContext, Task> clean) => this with { Clean = clean };

    public Scenario WithLoadSimulations(params LoadSimulation[] simulations)
    {
        LoadSimulation.Validate(simulations);
        return this with { Simulations = simulations };
    }

    /// <summary>Runs the start of the load for this long first and throws its figures away (JIT, connection pools, caches).</summary>
    public Scenario WithWarmUp(TimeSpan duration) => this with { WarmUp = duration };

    public Scenario WithoutWarmUp() => this with { WarmUp = TimeSpan.Zero };

    public Scenario WithMaxInFlight(int maxInFlight)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxInFlight);
        return this with { MaxInFlight = maxInFlight };
    }

    public Scenario WithGracefulStop(TimeSpan gracefulStop) => this with { GracefulStop = gracefulStop };
}

/// <summary>What one invocation of a scenario knows about itself.</summary>
public sealed class ScenarioContext
{
    internal ScenarioContext(
        string scenarioName, long invocationNumber, long copyNumber, bool isWarmUp, StepCollectors steps, CancellationToken cancellationToken)
    {
        ScenarioName = scenarioName;
        IsWarmUp = isWarmUp;
        InvocationNumber = invocationNumber;
        CopyNumber = copyNumber;
        Steps = steps;
        CancellationToken = cancellationToken;
    }

    public string ScenarioName { get; }

    /// <summary>0, 1, 2, … across the whole run of this scenario: handy for unique ids.</summary>
    public long InvocationNumber { get; }

    /// <summary>Closed model: which virtual user (0 … copies−1) runs this invocation. Open model: equals <see cref="InvocationNumber"/>.</summary>
    public long CopyNumber { get; }

    /// <summary>True during the scenario's warm-up, whose figures are thrown away: a step can aim it at other data.</summary>
    public bool IsWarmUp { get; }

    /// <summary>Cancelled when the test ends and the graceful stop is over; pass it to every HTTP call.</summary>
    public CancellationToken CancellationToken { get; }

    internal StepCollectors Steps { get; }
}

/// <summary>What scenario init and clean functions get.</summary>
public sealed record ScenarioInitContext(string ScenarioName, CancellationToken CancellationToken);
