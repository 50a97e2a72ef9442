namespace Commerce.AppHost.Dashboard.Metrics;

/// <summary>
/// Reads the metrics every <see cref="Interval"/> from the AppHost's start and keeps the last five minutes of views,
/// so the page's charts have a history the moment it opens, whichever source the numbers come from.
/// </summary>
public sealed class MetricsSampler(IMetricSource source, string? gatewayJob)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
    public const int KeptViews = 150;

    private readonly Queue<MetricsView> views = new();

    public MetricsView? Latest
    {
        get { lock (views) return views.Count > 0 ? views.Last() : null; }
    }

    /// <summary>Oldest first.</summary>
    public IReadOnlyList<MetricsView> History
    {
        get { lock (views) return [.. views]; }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            do
            {
                var view = MetricsView.From(await source.ReadAsync(cancellationToken), gatewayJob);
                lock (views)
                {
                    views.Enqueue(view);
                    if (views.Count > KeptViews) views.Dequeue();
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
