using HdrHistogram;

namespace Commerce.LoadTests.Harness;

/// <summary>The figures of one scenario or one step: counts, status codes, latency and their course second by second.</summary>
public sealed record Stats(
    string Scenario,
    string? Step,
    long Ok,
    long Fail,
    double DurationSeconds,
    LatencyStats Latency,
    IReadOnlyList<StatusCount> StatusCodes,
    IReadOnlyList<TimelinePoint> Timeline)
{
    public long Requests => Ok + Fail;

    public double FailPercent => Requests == 0 ? 0 : 100.0 * Fail / Requests;

    public double SuccessPercent => Requests == 0 ? 0 : 100.0 * Ok / Requests;

    /// <summary>Requests answered per second of load, OK or not.</summary>
    public double Rps => DurationSeconds <= 0 ? 0 : Requests / DurationSeconds;

    /// <summary>OK answers per second of load: the throughput a user sees (the incident's "TPS").</summary>
    public double OkRps => DurationSeconds <= 0 ? 0 : Ok / DurationSeconds;

    public long CountOf(string statusCode) => StatusCodes.Where(s => s.StatusCode == statusCode).Sum(s => s.Count);
}

/// <summary>Latency percentiles in milliseconds, read from an HdrHistogram recorded in microseconds.</summary>
public sealed record LatencyStats(long Count, double MinMs, double MeanMs, double P50Ms, double P75Ms, double P95Ms, double P99Ms, double MaxMs)
{
    public static readonly LatencyStats Empty = new(0, 0, 0, 0, 0, 0, 0, 0);

    public static LatencyStats From(HistogramBase micros)
    {
        if (micros.TotalCount == 0)
        {
            return Empty;
        }

        return new LatencyStats(
            micros.TotalCount,
            Ms(micros.GetValueAtPercentile(0)),
            micros.GetMean() / 1000.0,
            Ms(micros.GetValueAtPercentile(50)),
            Ms(micros.GetValueAtPercentile(75)),
            Ms(micros.GetValueAtPercentile(95)),
            Ms(micros.GetValueAtPercentile(99)),
            Ms(micros.GetMaxValue()));
    }

    private static double Ms(long micros) => micros / 1000.0;
}

/// <summary>How many answers carried one status code; <paramref name="Message"/> is the first failure message seen with it.</summary>
public sealed record StatusCount(string StatusCode, bool IsError, long Count, string? Message);

/// <summary>One second of a run: answers completed in it and the latency of those answers.</summary>
public sealed record TimelinePoint(double Second, long Requests, long Ok, long Fail, double Rps, double? P50Ms, double? P95Ms);
