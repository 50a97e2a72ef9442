namespace Commerce.Operations.Metrics;

/// <summary>One cumulative histogram bucket: observations (or their rate) at or below <see cref="UpperBound"/>.</summary>
public readonly record struct Bucket(double UpperBound, double Cumulative);

/// <summary>
/// PromQL's <c>histogram_quantile</c>, computed here because the page merges one query's bucket rates into several views
/// (per API, the gateway's, per consumer) and must read as Prometheus would: find the bucket the rank falls in,
/// interpolate linearly inside it; in the +Inf bucket, the highest finite bound.
/// </summary>
public static class HistogramQuantile
{
    /// <summary>The <paramref name="quantile"/> (0..1) of the buckets; NaN when there is nothing to rank.</summary>
    public static double Of(double quantile, IEnumerable<Bucket> buckets)
    {
        var sorted = buckets.OrderBy(bucket => bucket.UpperBound).ToList();
        if (sorted.Count < 2 || !double.IsPositiveInfinity(sorted[^1].UpperBound)) return double.NaN;

        // Rates of cumulative counters taken at slightly different moments can dip; Prometheus evens them out too.
        for (var i = 1; i < sorted.Count; i++)
        {
            if (sorted[i].Cumulative < sorted[i - 1].Cumulative) sorted[i] = sorted[i] with { Cumulative = sorted[i - 1].Cumulative };
        }

        var observations = sorted[^1].Cumulative;
        if (observations <= 0 || double.IsNaN(observations)) return double.NaN;

        var rank = Math.Clamp(quantile, 0, 1) * observations;
        var index = sorted.FindIndex(bucket => bucket.Cumulative >= rank);
        if (index == sorted.Count - 1) return sorted[^2].UpperBound;
        if (index == 0 && sorted[0].UpperBound <= 0) return sorted[0].UpperBound;

        var lower = index == 0 ? 0 : sorted[index - 1].UpperBound;
        var below = index == 0 ? 0 : sorted[index - 1].Cumulative;
        var inBucket = sorted[index].Cumulative - below;
        return lower + (sorted[index].UpperBound - lower) * ((rank - below) / inBucket);
    }
}
