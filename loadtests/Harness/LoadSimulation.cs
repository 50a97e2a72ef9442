using System.Globalization;

namespace Commerce.LoadTests.Harness;

public enum SimulationKind
{
    KeepConstant,
    RampingConstant,
    Inject,
    RampingInject,
    Pause,
}

/// <summary>
/// One phase of load. Closed model (KeepConstant, RampingConstant): a fixed number of virtual users each send the next
/// request when the previous one answered. Open model (Inject, RampingInject): requests start on a clock whatever the
/// answers do, which is how real users arrive. A scenario uses one model; phases run one after the other.
/// </summary>
public sealed record LoadSimulation(SimulationKind Kind, double Target, TimeSpan Interval, TimeSpan During)
{
    public bool IsOpenModel => Kind is SimulationKind.Inject or SimulationKind.RampingInject;

    public bool IsClosedModel => Kind is SimulationKind.KeepConstant or SimulationKind.RampingConstant;

    /// <summary>Open model: requests started per second at the end of this phase.</summary>
    public double RatePerSecond => IsOpenModel ? Target / Interval.TotalSeconds : 0;

    public override string ToString() => Kind switch
    {
        SimulationKind.KeepConstant => $"keep {Target:0} copies for {Seconds(During)}",
        SimulationKind.RampingConstant => $"ramp to {Target:0} copies over {Seconds(During)}",
        SimulationKind.Inject => $"inject {Target:0} per {Seconds(Interval)} for {Seconds(During)}",
        SimulationKind.RampingInject => $"ramp to {Target:0} per {Seconds(Interval)} over {Seconds(During)}",
        _ => $"pause {Seconds(During)}",
    };

    public static TimeSpan TotalDuration(IEnumerable<LoadSimulation> simulations) =>
        simulations.Aggregate(TimeSpan.Zero, (sum, simulation) => sum + simulation.During);

    internal static void Validate(IReadOnlyList<LoadSimulation> simulations)
    {
        if (simulations.Count == 0)
        {
            throw new ArgumentException("A scenario needs at least one load simulation.", nameof(simulations));
        }

        if (simulations.Any(s => s.IsOpenModel) && simulations.Any(s => s.IsClosedModel))
        {
            throw new ArgumentException(
                "A scenario is either closed model (KeepConstant, RampingConstant) or open model (Inject…), not both.", nameof(simulations));
        }
    }

    /// <summary>The first <paramref name="duration"/> of these phases, a ramp cut where it stood (used for the warm-up).</summary>
    internal static IReadOnlyList<LoadSimulation> Truncate(IReadOnlyList<LoadSimulation> simulations, TimeSpan duration)
    {
        var kept = new List<LoadSimulation>();
        var previous = 0.0;
        foreach (var simulation in simulations)
        {
            if (duration <= TimeSpan.Zero)
            {
                break;
            }

            var cut = simulation.During <= duration ? simulation : simulation with
            {
                During = duration,
                Target = simulation.Kind is SimulationKind.RampingConstant or SimulationKind.RampingInject
                    ? previous + ((simulation.Target - previous) * (duration / simulation.During))
                    : simulation.Target,
            };
            kept.Add(cut);
            previous = simulation.Kind == SimulationKind.Pause ? 0 : simulation.Target;
            duration -= cut.During;
        }

        return kept;
    }

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";
}

/// <summary>The load simulation factory, named and shaped like NBomber's.</summary>
public static class Simulation
{
    /// <summary>Closed model: exactly <paramref name="copies"/> virtual users loop for <paramref name="during"/>.</summary>
    public static LoadSimulation KeepConstant(int copies, TimeSpan during) =>
        Create(SimulationKind.KeepConstant, copies, TimeSpan.FromSeconds(1), during);

    /// <summary>Closed model: the number of virtual users moves linearly from the previous phase's to <paramref name="copies"/>.</summary>
    public static LoadSimulation RampingConstant(int copies, TimeSpan during) =>
        Create(SimulationKind.RampingConstant, copies, TimeSpan.FromSeconds(1), during);

    /// <summary>
    /// Open model: <paramref name="rate"/> invocations per <paramref name="interval"/>, spread evenly over the interval
    /// (a burst at each interval start would measure the harness's own queue, not the system).
    /// </summary>
    public static LoadSimulation Inject(int rate, TimeSpan interval, TimeSpan during) =>
        Create(SimulationKind.Inject, rate, interval, during);

    /// <summary>Open model: the rate moves linearly from the previous phase's to <paramref name="rate"/> per <paramref name="interval"/>.</summary>
    public static LoadSimulation RampingInject(int rate, TimeSpan interval, TimeSpan during) =>
        Create(SimulationKind.RampingInject, rate, interval, during);

    public static LoadSimulation InjectPerSec(int rate, TimeSpan during) => Inject(rate, TimeSpan.FromSeconds(1), during);

    /// <summary>No load for a while (either model).</summary>
    public static LoadSimulation Pause(TimeSpan during) => Create(SimulationKind.Pause, 0, TimeSpan.FromSeconds(1), during);

    private static LoadSimulation Create(SimulationKind kind, int target, TimeSpan interval, TimeSpan during)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(target);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(during, TimeSpan.Zero);
        return new LoadSimulation(kind, target, interval, during);
    }
}
