using Commerce.AppHost.Hosting;
using Commerce.AppHost.Hosting.Resources;

namespace Commerce.AppHost.Dashboard.Metrics;

/// <summary>
/// Without Prometheus: scrapes every service's /metrics (and RabbitMQ's per-queue metrics) itself, keeps the last
/// <see cref="MetricQuery.RateWindow"/> of scrapes and turns counters into rates the way <c>rate()</c> would.
/// Alerts need Prometheus's rule engine, so this source reports none.
/// </summary>
public sealed class ScrapeSource(IReadOnlyList<Resource> resources, HttpClient http) : IMetricSource
{
    private static readonly HashSet<string> Wanted = [.. DashboardQueries.All.Select(query => query.Metric)];
    private readonly Dictionary<string, Queue<Scrape>> history = [];

    public async Task<MetricFrame> ReadAsync(CancellationToken cancellationToken)
    {
        var targets = Targets().ToList();
        var scrapes = await Task.WhenAll(targets.Select(target => ScrapeAsync(target.Job, target.Url, cancellationToken)));
        var now = DateTimeOffset.UtcNow;
        var rates = new List<ScrapedSample>();
        var gauges = new List<ScrapedSample>();
        lock (history)
        {
            foreach (var (target, scrape) in targets.Zip(scrapes))
            {
                if (scrape is null) continue;
                if (!history.TryGetValue(target.Job, out var kept)) history[target.Job] = kept = new Queue<Scrape>();
                while (kept.Count > 0 && now - kept.Peek().At > MetricQuery.RateWindow) kept.Dequeue();
                var oldest = kept.Count > 0 ? kept.Peek() : null;
                kept.Enqueue(scrape);
                foreach (var (key, sample) in scrape.Samples)
                {
                    gauges.Add(sample);
                    // A series the older scrape lacks was created since (a route's first request): it counted from zero.
                    if (oldest is not null)
                    {
                        var before = oldest.Samples.TryGetValue(key, out var earlier) ? earlier.Value : 0;
                        rates.Add(sample with { Value = RatePerSecond(before, sample.Value, scrape.At - oldest.At) });
                    }
                }
            }
        }

        return new MetricFrame
        {
            Source = "scrape",
            At = now,
            Series = DashboardQueries.All.ToDictionary(query => query, query => Aggregate(query, query.Kind == MetricKind.Counter ? rates : gauges)),
            Targets = targets.Zip(scrapes).ToDictionary(pair => pair.First.Job, pair => pair.Second is not null),
            Note = "Prometheus is not installed: metrics are read from each service's /metrics, and no alert rules run (sudo apt-get install prometheus).",
        };
    }

    /// <summary>A counter's increase per second; a restarted process starts from zero again, as <c>rate()</c> assumes.</summary>
    public static double RatePerSecond(double before, double after, TimeSpan elapsed)
    {
        if (elapsed <= TimeSpan.Zero) return 0;
        var increase = after >= before ? after - before : after;
        return increase / elapsed.TotalSeconds;
    }

    /// <summary>PromQL's <c>sum by</c> over samples of the query's metric; a label a sample lacks is left out, as Prometheus does.</summary>
    public static List<Series> Aggregate(MetricQuery query, IEnumerable<ScrapedSample> samples) => samples
        .Where(sample => sample.Name == query.Metric && double.IsFinite(sample.Value))
        .GroupBy(sample => string.Join('\u0001', query.By.Select(label => sample.Labels.GetValueOrDefault(label, ""))))
        .Select(group => new Series(
            query.By.Select(label => (label, value: group.First().Labels.GetValueOrDefault(label, "")))
                .Where(pair => pair.value.Length > 0)
                .ToDictionary(pair => pair.label, pair => pair.value),
            group.Sum(sample => sample.Value)))
        .ToList();

    private IEnumerable<(string Job, string Url)> Targets()
    {
        foreach (var resource in resources.Where(resource => resource.State == ResourceState.Running))
        {
            switch (resource)
            {
                case ProjectResource project:
                    yield return (project.Name, project.HttpUrl + "/metrics");
                    break;
                case RabbitMqResource { PrometheusUrl: { } url } rabbitMq:
                    yield return (rabbitMq.Name, url + "/metrics/detailed?family=queue_coarse_metrics");
                    break;
            }
        }
    }

    private async Task<Scrape?> ScrapeAsync(string job, string url, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            var text = await http.GetStringAsync(url, timeout.Token);
            var samples = new Dictionary<string, ScrapedSample>();
            foreach (var sample in ExpositionFormat.Parse(text, Wanted.Contains))
            {
                var labelled = sample with { Labels = new Dictionary<string, string>(sample.Labels) { ["job"] = job } };
                samples[Key(labelled)] = labelled;
            }

            return new Scrape(DateTimeOffset.UtcNow, samples);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    private static string Key(ScrapedSample sample) =>
        sample.Name + "{" + string.Join(',', sample.Labels.OrderBy(label => label.Key, StringComparer.Ordinal).Select(label => $"{label.Key}={label.Value}")) + "}";

    private sealed record Scrape(DateTimeOffset At, Dictionary<string, ScrapedSample> Samples);
}
