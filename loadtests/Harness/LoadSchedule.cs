namespace Commerce.LoadTests.Harness;

/// <summary>The pure arithmetic of the load models: how many copies now (closed) and when each request is due (open).</summary>
public static class LoadSchedule
{
    /// <summary>Closed model: how many virtual users should be running <paramref name="elapsed"/> into the load; 0 after the end.</summary>
    public static int CopiesAt(IReadOnlyList<LoadSimulation> simulations, TimeSpan elapsed)
    {
        var phaseStart = TimeSpan.Zero;
        var previous = 0.0;
        foreach (var simulation in simulations)
        {
            if (elapsed < phaseStart + simulation.During)
            {
                var fraction = (elapsed - phaseStart) / simulation.During;
                return simulation.Kind switch
                {
                    SimulationKind.KeepConstant => (int)simulation.Target,
                    SimulationKind.RampingConstant => (int)Math.Round(previous + ((simulation.Target - previous) * fraction)),
                    _ => 0,
                };
            }

            phaseStart += simulation.During;
            previous = simulation.Kind == SimulationKind.Pause ? 0 : simulation.Target;
        }

        return 0;
    }

    /// <summary>
    /// Open model: the offsets from the start of the load at which requests are due, in order. Within a phase the rate
    /// moves linearly from r0 to r1, so the number due by time t is N(t) = r0·t + (r1−r0)·t²/(2·D); request k is due
    /// where N(t) = k. The latency of a request is measured from this due time, not from when it was actually sent,
    /// so a harness or system that falls behind cannot hide it (no coordinated omission).
    /// </summary>
    public static IEnumerable<TimeSpan> SendTimes(IReadOnlyList<LoadSimulation> simulations)
    {
        var phaseStart = 0.0;
        var previousRate = 0.0;
        foreach (var simulation in simulations)
        {
            var duration = simulation.During.TotalSeconds;
            var (r0, r1) = simulation.Kind switch
            {
                SimulationKind.Inject => (simulation.RatePerSecond, simulation.RatePerSecond),
                SimulationKind.RampingInject => (previousRate, simulation.RatePerSecond),
                _ => (0.0, 0.0),
            };
            var acceleration = (r1 - r0) / (2 * duration);
            var expected = (r0 + r1) / 2 * duration;

            // The small tolerance keeps 100/s for 10 s at exactly 1,000 requests despite floating point.
            for (long k = 0; k < expected - 1e-9; k++)
            {
                // Root of acceleration·t² + r0·t − k = 0, in the form that stays exact when acceleration is 0.
                var root = r0 + Math.Sqrt((r0 * r0) + (4 * acceleration * k));
                var t = k == 0 ? 0 : 2 * k / root;
                yield return TimeSpan.FromSeconds(phaseStart + Math.Min(t, duration));
            }

            phaseStart += duration;
            previousRate = simulation.Kind == SimulationKind.Pause ? 0 : r1;
        }
    }
}
