using Commerce.AppHost.Dashboard.Metrics;
using Commerce.AppHost.Hosting;
using Commerce.AppHost.Hosting.Resources;

namespace Commerce.AppHost.Dashboard;

/// <summary>A resource as the page lists it.</summary>
public sealed record ResourceView(
    string Name, string Kind, string State, string? Health, string? Url, double? UptimeSeconds, int Restarts, int? Pid,
    bool External, bool? MetricsUp, IReadOnlyList<string> LastLines);

/// <summary>A headline number with its history, aligned with <see cref="DashboardSnapshot.Ages"/> (null where unknown).</summary>
public sealed record HeadlineView(string Key, double? Value, IReadOnlyList<double?> Series);

/// <summary>An API's figures now and their history, aligned with <see cref="DashboardSnapshot.RecentAges"/>.</summary>
public sealed record ApiView(
    string Service, string Method, string Route, double Rps, double? P50, double? P95, double? P99, double? ErrorRatio,
    IReadOnlyList<double?> RpsSeries, IReadOnlyList<double?> P95Series, IReadOnlyList<double?> ErrorSeries);

/// <summary>
/// Everything the page shows, in one document (<c>GET /api/state</c>): alerts first, then resources, headline numbers,
/// APIs and gauges. Null means unknown (no series yet), never zero.
/// </summary>
public sealed record DashboardSnapshot(
    DateTimeOffset At,
    string MetricsSource,
    string? MetricsNote,
    string? PrometheusUrl,
    IReadOnlyList<double> Ages,
    IReadOnlyList<double> RecentAges,
    IReadOnlyList<AlertInfo>? Alerts,
    IReadOnlyList<ResourceView> Resources,
    IReadOnlyList<HeadlineView> Headline,
    IReadOnlyList<ApiView> Apis,
    IReadOnlyList<ConsumerStats> Consumers,
    Internals Internals)
{
    /// <summary>Per-API charts cover the last two minutes; the headline's the last five.</summary>
    public static readonly TimeSpan RecentWindow = TimeSpan.FromMinutes(2);

    public static DashboardSnapshot Build(IReadOnlyList<Resource> resources, HostContext context, ResourceHealth health, MetricsSampler sampler)
    {
        var history = sampler.History;
        var latest = history.Count > 0 ? history[^1] : null;
        var logs = context.Logs.ToDictionary(log => log.Name);
        var now = DateTimeOffset.UtcNow;

        var resourceViews = resources.Select(resource => new ResourceView(
            resource.Name,
            resource.Kind,
            resource.State.ToString(),
            health.Of(resource),
            resource.DisplayUrl,
            resource.State == ResourceState.Running && resource.StartedAt is { } started ? Math.Round((now - started).TotalSeconds) : null,
            resource.Restarts,
            resource.ProcessId,
            resource.IsExternal,
            latest is not null && latest.Targets.TryGetValue(resource.Name, out var up) ? up : null,
            logs.TryGetValue(resource.Name, out var log) ? log.Tail(3) : [])).ToList();

        var headline = (latest?.Headline.Keys ?? []).Select(key => new HeadlineView(
            key, Finite(latest!.Headline[key]), history.Select(view => Finite(view.Headline.GetValueOrDefault(key))).ToList())).ToList();

        var recentViews = history.Where(view => now - view.At <= RecentWindow).ToList();
        var recent = recentViews.Select(view => view.Apis.ToDictionary(api => api.Key)).ToList();
        var apis = (latest?.Apis ?? []).Select(api => new ApiView(
            api.Service, api.Method, api.Route, Finite(api.Rps) ?? 0, Finite(api.P50), Finite(api.P95), Finite(api.P99), Finite(api.ErrorRatio),
            recent.Select(view => view.TryGetValue(api.Key, out var then) ? Finite(then.Rps) : null).ToList(),
            recent.Select(view => view.TryGetValue(api.Key, out var then) ? Finite(then.P95) : null).ToList(),
            recent.Select(view => view.TryGetValue(api.Key, out var then) ? Finite(then.ErrorRatio) : null).ToList())).ToList();

        return new DashboardSnapshot(
            now,
            latest?.Source ?? "none",
            latest is null ? "Collecting the first sample..." : latest.Note,
            resources.OfType<PrometheusResource>().FirstOrDefault()?.Url,
            history.Select(view => Math.Round((now - view.At).TotalSeconds, 1)).ToList(),
            recentViews.Select(view => Math.Round((now - view.At).TotalSeconds, 1)).ToList(),
            latest?.Alerts,
            resourceViews,
            headline,
            apis,
            (latest?.Consumers ?? []).Select(consumer => consumer with { PerSecond = Finite(consumer.PerSecond) ?? 0,
                ErrorsPerSecond = Finite(consumer.ErrorsPerSecond) ?? 0, P95 = Finite(consumer.P95) }).ToList(),
            latest?.Internals ?? Internals.None);
    }

    // JSON has no NaN or infinity; four decimals are finer than any chart here draws.
    private static double? Finite(double? value) => value is { } number && double.IsFinite(number) ? Math.Round(number, 4) : null;
}
