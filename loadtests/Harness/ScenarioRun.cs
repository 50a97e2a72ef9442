using System.Diagnostics;

namespace Commerce.LoadTests.Harness;

/// <summary>
/// The outcome of one scenario: its figures, its steps' figures, and anything that makes them doubtful. Open model:
/// <see cref="SendLag"/> is how late the harness started requests after their due time; it is part of the latency, and
/// if it is large the load generator, not the system, is the bottleneck.
/// </summary>
public sealed record ScenarioResult(
    string Name,
    string LoadModel,
    IReadOnlyList<string> Simulations,
    Stats Stats,
    IReadOnlyList<Stats> Steps,
    IReadOnlyList<string> Problems,
    LatencyStats? SendLag);

/// <summary>
/// One execution of a scenario's load (the warm-up is a separate one): drives the closed or the open model, samples the
/// figures once a second, and at the end lets invocations in flight finish for the graceful stop before cancelling them.
/// </summary>
internal sealed class ScenarioRun(Scenario scenario, IReadOnlyList<LoadSimulation> simulations, bool isWarmUp)
{
    private static readonly TimeSpan CancelledInvocationsDeadline = TimeSpan.FromSeconds(10);

    /// <summary>How often the closed model re-reads its target number of copies (a ramp moves in steps this long).</summary>
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(50);

    private static readonly TimeSpan TimerSlack = TimeSpan.FromMilliseconds(2);

    private readonly CancellationTokenSource invocations = new();
    private readonly List<Task?> copies = [];
    private readonly HdrHistogram.LongHistogram sendLag = new(1, StatsCollector.MaxMicros, 3);
    private long startTimestamp = Stopwatch.GetTimestamp();
    private long invocationCounter = -1;
    private int inFlight;
    private int targetCopies;

    public StatsCollector Collector { get; } = new(scenario.Name, null);

    public StepCollectors Steps { get; } = new(scenario.Name);

    public string Phase { get; private set; } = isWarmUp ? "warm-up" : "running";

    public TimeSpan Duration { get; } = LoadSimulation.TotalDuration(simulations);

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(startTimestamp);

    public int InFlight => Volatile.Read(ref inFlight);

    private bool IsOpenModel => simulations.Any(s => s.IsOpenModel);

    /// <summary>Runs the load to its end (or until <paramref name="stop"/>), drains, and returns the figures.</summary>
    public async Task<ScenarioResult> ExecuteAsync(CancellationToken stop)
    {
        startTimestamp = Stopwatch.GetTimestamp();
        using var samplerStop = new CancellationTokenSource();
        var sampler = SampleEverySecondAsync(samplerStop.Token);

        await (IsOpenModel ? InjectAsync(stop) : KeepCopiesAsync(stop));
        var loadSeconds = Math.Min(Elapsed.TotalSeconds, Duration.TotalSeconds);

        var problems = new List<string>();
        Phase = "draining";
        Volatile.Write(ref targetCopies, 0);
        if (!await DrainedWithinAsync(stop.IsCancellationRequested ? TimeSpan.Zero : scenario.GracefulStop))
        {
            await invocations.CancelAsync();
            if (!await DrainedWithinAsync(CancelledInvocationsDeadline))
            {
                problems.Add($"{InFlight} invocations of {scenario.Name} ignored the cancellation token and were abandoned; " +
                    "their results are missing, so these figures cannot be trusted.");
            }
        }

        await samplerStop.CancelAsync();
        await sampler;
        SampleAll();
        Phase = "done";
        return new ScenarioResult(
            scenario.Name,
            IsOpenModel ? "open" : "closed",
            simulations.Select(s => s.ToString()).ToList(),
            Collector.Snapshot(loadSeconds),
            Steps.All.Select(s => s.Snapshot(loadSeconds)).ToList(),
            problems,
            IsOpenModel ? LatencyStats.From(sendLag) : null);
    }

    /// <summary>Closed model: keeps the scheduled number of copies looping; a copy above the target stops after its invocation.</summary>
    private async Task KeepCopiesAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested && Elapsed < Duration)
        {
            var target = LoadSchedule.CopiesAt(simulations, Elapsed);
            Volatile.Write(ref targetCopies, target);
            for (var copy = 0; copy < target; copy++)
            {
                if (copy == copies.Count)
                {
                    copies.Add(null);
                }

                if (copies[copy] is null or { IsCompleted: true })
                {
                    var number = copy;
                    copies[copy] = Task.Run(() => CopyLoopAsync(number), CancellationToken.None);
                }
            }

            var untilEnd = Duration - Elapsed;
            await Task.Delay(untilEnd < Tick ? (untilEnd > TimeSpan.Zero ? untilEnd : TimeSpan.Zero) : Tick, stop)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task CopyLoopAsync(int copy)
    {
        while (copy < Volatile.Read(ref targetCopies))
        {
            Interlocked.Increment(ref inFlight);
            try
            {
                await InvokeAsync(copy, Stopwatch.GetTimestamp());
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        }
    }

    /// <summary>
    /// Open model: starts each invocation at its due time without waiting for earlier ones, and measures its latency from
    /// that due time, so falling behind (here or in the system) shows in the figures instead of silently lowering the load.
    /// </summary>
    private async Task InjectAsync(CancellationToken stop)
    {
        var overloaded = Response.Fail("overloaded", $"more than {scenario.MaxInFlight} invocations in flight; this one was not started");
        foreach (var offset in LoadSchedule.SendTimes(simulations))
        {
            var due = startTimestamp + (long)(offset.TotalSeconds * Stopwatch.Frequency);
            // Timers wake a millisecond or more late: sleep until just before the due time and start up to
            // TimerSlack early rather than late. Early starts shift the arrivals by under 2 ms and cost no accuracy.
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimerSlack)
            {
                await Task.Delay(wait - (TimerSlack / 2), stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            if (stop.IsCancellationRequested)
            {
                break;
            }

            if (Interlocked.Increment(ref inFlight) > scenario.MaxInFlight)
            {
                Interlocked.Decrement(ref inFlight);
                Collector.RecordNotSent(overloaded);
                continue;
            }

            // Late: measure from the due time, so the delay counts. Early (by up to TimerSlack): measure from the
            // actual start, or a fast answer would finish before it was due.
            var now = Stopwatch.GetTimestamp();
            var measuredFrom = Math.Min(due, now);
            sendLag.RecordValue(Math.Clamp((long)Stopwatch.GetElapsedTime(measuredFrom, now).TotalMicroseconds, 1, StatsCollector.MaxMicros));
            _ = Task.Run(
                async () =>
                {
                    try
                    {
                        await InvokeAsync(-1, measuredFrom);
                    }
                    finally
                    {
                        Interlocked.Decrement(ref inFlight);
                    }
                },
                CancellationToken.None);
        }

        // The last phase may be a pause, or end with a gap before its last second.
        var rest = Duration - Elapsed;
        if (rest > TimeSpan.Zero)
        {
            await Task.Delay(rest, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task InvokeAsync(long copy, long measuredFrom)
    {
        var number = Interlocked.Increment(ref invocationCounter);
        var context = new ScenarioContext(scenario.Name, number, copy < 0 ? number : copy, isWarmUp, Steps, invocations.Token);
        Response response;
        try
        {
            response = await scenario.Run(context);
        }
        catch (Exception exception)
        {
            response = Response.FromException(exception, invocations.IsCancellationRequested);
        }

        Collector.Record(response, Stopwatch.GetElapsedTime(measuredFrom));
    }

    private bool IsDrained() => InFlight == 0 && copies.All(c => c is null || c.IsCompleted);

    private async Task<bool> DrainedWithinAsync(TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!IsDrained())
        {
            if (Stopwatch.GetTimestamp() >= deadline)
            {
                return false;
            }

            await Task.Delay(10);
        }

        return true;
    }

    private async Task SampleEverySecondAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                SampleAll();
            }
        }
        catch (OperationCanceledException)
        {
            // The run is over; ExecuteAsync takes the last sample itself.
        }
    }

    private void SampleAll()
    {
        var seconds = Elapsed.TotalSeconds;
        Collector.Sample(seconds);
        foreach (var step in Steps.All)
        {
            step.Sample(seconds);
        }
    }
}
