using System.Collections.Concurrent;
using HdrHistogram;

namespace Commerce.LoadTests.Harness;

/// <summary>
/// Collects the figures of one scenario or step. Recording is lock-free (Interlocked counters and an HdrHistogram
/// <see cref="Recorder"/>, whose writes are wait-free); a single sampler calls <see cref="Sample"/> once a second to take
/// the interval histogram for the timeline and merge it into the cumulative one, which only the sampler touches.
/// </summary>
internal sealed class StatsCollector(string scenario, string? step, int order = 0)
{
    /// <summary>Latencies are recorded in microseconds up to 10 minutes; longer ones are recorded as 10 minutes.</summary>
    internal const long MaxMicros = 10L * 60 * 1_000_000;

    private readonly Recorder recorder = CreateRecorder();
    private readonly LongHistogram cumulative = new(1, MaxMicros, 3);
    private readonly ConcurrentDictionary<(string Code, bool IsError), StatusCounter> statuses = new();
    private readonly List<TimelinePoint> timeline = [];
    private readonly LongHistogram point = new(1, MaxMicros, 3);
    private HistogramBase? interval;
    private long ok;
    private long fail;
    private long sampledOk;
    private long sampledFail;
    private double sampledAt;
    private long pointOk;
    private long pointFail;
    private double pointStart;

    public string Scenario => scenario;

    public string? Step => step;

    public int Order => order;

    public long Ok => Volatile.Read(ref ok);

    public long Fail => Volatile.Read(ref fail);

    /// <summary>The last second sampled, for the live display.</summary>
    public TimelinePoint? Latest { get; private set; }

    /// <summary>Hot path: safe from any number of threads.</summary>
    public void Record(Response response, TimeSpan latency)
    {
        Count(response);
        var micros = (long)(latency.Ticks / (double)TimeSpan.TicksPerMicrosecond);
        recorder.RecordValue(Math.Clamp(micros, 1, MaxMicros));
    }

    /// <summary>Hot path: an answer without a latency, for a request the harness refused to send ("overloaded").</summary>
    public void RecordNotSent(Response response) => Count(response);

    /// <summary>
    /// Sampler only: closes the interval that ends <paramref name="elapsedSeconds"/> into the run. An interval shorter than
    /// half a second (timer jitter, the drain after the last full second) is folded into the previous point, so the
    /// timeline shows no rate spikes computed over a few milliseconds.
    /// </summary>
    public void Sample(double elapsedSeconds)
    {
        interval = recorder.GetIntervalHistogram(interval);
        cumulative.Add(interval);
        if (elapsedSeconds - sampledAt >= 0.5 || timeline.Count == 0)
        {
            point.Reset();
            (pointOk, pointFail, pointStart) = (sampledOk, sampledFail, sampledAt);
        }
        else
        {
            timeline.RemoveAt(timeline.Count - 1);
        }

        point.Add(interval);
        (sampledOk, sampledFail, sampledAt) = (Ok, Fail, elapsedSeconds);
        long okDelta = sampledOk - pointOk, failDelta = sampledFail - pointFail;
        var seconds = elapsedSeconds - pointStart;
        Latest = new TimelinePoint(
            Math.Round(elapsedSeconds, 3),
            okDelta + failDelta,
            okDelta,
            failDelta,
            seconds <= 0 ? 0 : (okDelta + failDelta) / seconds,
            point.TotalCount == 0 ? null : point.GetValueAtPercentile(50) / 1000.0,
            point.TotalCount == 0 ? null : point.GetValueAtPercentile(95) / 1000.0);
        timeline.Add(Latest);
    }

    /// <summary>Sampler only, after the last <see cref="Sample"/>.</summary>
    public Stats Snapshot(double loadSeconds) => new(
        scenario,
        step,
        Ok,
        Fail,
        loadSeconds,
        LatencyStats.From(cumulative),
        statuses
            .Select(s => new StatusCount(s.Key.Code, s.Key.IsError, s.Value.Count, s.Value.FirstMessage))
            .OrderBy(s => s.IsError)
            .ThenByDescending(s => s.Count)
            .ToList(),
        timeline.ToList());

    private void Count(Response response)
    {
        if (response.IsError)
        {
            Interlocked.Increment(ref fail);
        }
        else
        {
            Interlocked.Increment(ref ok);
        }

        statuses.GetOrAdd((response.StatusCode, response.IsError), static _ => new StatusCounter()).Add(response.Message);
    }

    private static Recorder CreateRecorder() =>
        HistogramFactory.With64BitBucketSize()
            .WithValuesFrom(1)
            .WithValuesUpTo(MaxMicros)
            .WithPrecisionOf(3)
            .WithThreadSafeWrites()
            .WithThreadSafeReads()
            .Create();

    private sealed class StatusCounter
    {
        private long count;
        private string? firstMessage;

        public long Count => Volatile.Read(ref count);

        public string? FirstMessage => Volatile.Read(ref firstMessage);

        public void Add(string? message)
        {
            Interlocked.Increment(ref count);
            if (message is not null && firstMessage is null)
            {
                Interlocked.CompareExchange(ref firstMessage, message, null);
            }
        }
    }
}

/// <summary>The step collectors of one scenario run, created on first use of a step name.</summary>
internal sealed class StepCollectors(string scenario)
{
    private readonly ConcurrentDictionary<string, StatsCollector> steps = new();
    private int created;

    public StatsCollector For(string name) =>
        steps.TryGetValue(name, out var existing)
            ? existing
            : steps.GetOrAdd(name, n => new StatsCollector(scenario, n, Interlocked.Increment(ref created)));

    public IReadOnlyList<StatsCollector> All => steps.Values.OrderBy(s => s.Order).ToList();
}
