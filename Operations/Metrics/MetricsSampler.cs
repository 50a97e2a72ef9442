using Microsoft.Extensions.Hosting;

namespace Commerce.Operations.Metrics;

/// <summary>
/// Reads Prometheus from the page's start and keeps the last five minutes of views, so the charts have a history the
/// moment someone opens the page: every <see cref="Interval"/> while someone watches, every 10 s otherwise.
/// </summary>
public sealed class MetricsSampler(PrometheusSource source, OperationsSettings settings, Viewers viewers) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan Kept = TimeSpan.FromMinutes(5);
    private const int IdleTicksPerSample = 5;

    private readonly Queue<MetricsView> views = new();

    /// <summary>Oldest first.</summary>
    public IReadOnlyList<MetricsView> History
    {
        get { lock (views) return [.. views]; }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        var tick = 0;
        try
        {
            do
            {
                if (viewers.Watching || tick++ % IdleTicksPerSample == 0) Keep(await ReadAsync(stoppingToken));
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task<MetricsView> ReadAsync(CancellationToken cancellationToken)
    {
        MetricFrame frame;
        try
        {
            frame = await source.ReadAsync(cancellationToken);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested && exception is not OutOfMemoryException)
        {
            // The page says what went wrong and the next sample tries again; a dead loop would freeze it silently.
            frame = new MetricFrame { Note = $"Reading the metrics failed: {exception.Message}" };
        }

        return MetricsView.From(frame, settings.GatewayJob);
    }

    private void Keep(MetricsView view)
    {
        lock (views)
        {
            views.Enqueue(view);
            while (view.At - views.Peek().At > Kept) views.Dequeue();
        }
    }
}
