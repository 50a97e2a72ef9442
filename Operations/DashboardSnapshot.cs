using Commerce.Operations.Alerts;
using Commerce.Operations.Metrics;

namespace Commerce.Operations;

/// <summary>A headline number with its history, aligned with <see cref="DashboardSnapshot.Ages"/> (null where unknown).</summary>
public sealed record HeadlineView(string Key, double? Value, IReadOnlyList<double?> Series);

/// <summary>An API's figures now and their history, aligned with <see cref="DashboardSnapshot.RecentAges"/>.</summary>
public sealed record ApiView(
    string Service, string Method, string Route, double Rps, double? P50, double? P95, double? P99, double? ErrorRatio,
    IReadOnlyList<double?> RpsSeries, IReadOnlyList<double?> P95Series, IReadOnlyList<double?> ErrorSeries);

/// <summary>
/// Everything the page shows, in one document (<c>GET /api/state</c>): the alerts and their status first, then headline
/// numbers, APIs, consumers, the system's internals and the notifications Alertmanager sent. Null means unknown (no series yet, Prometheus not answering),
/// never zero.
/// </summary>
public sealed record DashboardSnapshot(
    DateTimeOffset At,
    string PrometheusUrl,
    string? AspireDashboardUrl,
    string? MetricsNote,
    AlertStatus Status,
    IReadOnlyList<AlertView>? Alerts,
    IReadOnlyList<double> Ages,
    IReadOnlyList<double> RecentAges,
    IReadOnlyList<HeadlineView> Headline,
    IReadOnlyList<ApiView> Apis,
    IReadOnlyList<ConsumerStats> Consumers,
    Internals Internals,
    IReadOnlyList<AlertNotification> Notifications)
{
    /// <summary>Per-API charts cover the last two minutes; the headline's the last five.</summary>
    public static readonly TimeSpan RecentWindow = TimeSpan.FromMinutes(2);

    /// <param name="history">The sampler's views, oldest first.</param>
    /// <param name="notifications">What Alertmanager sent, newest first.</param>
    public static DashboardSnapshot Build(
        IReadOnlyList<MetricsView> history, OperationsSettings settings, DateTimeOffset now, IReadOnlyList<AlertNotification>? notifications = null)
    {
        var latest = history.Count > 0 ? history[^1] : null;

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
            settings.Prometheus.AbsoluteUri,
            settings.AspireDashboardUrl?.AbsoluteUri,
            latest is null ? "Collecting the first sample..." : latest.Note,
            AlertStatus.Of(latest?.Alerts),
            latest?.Alerts is { } alerts ? AlertView.Of(alerts, now) : null,
            history.Select(view => Math.Round((now - view.At).TotalSeconds, 1)).ToList(),
            recentViews.Select(view => Math.Round((now - view.At).TotalSeconds, 1)).ToList(),
            headline,
            apis,
            (latest?.Consumers ?? []).Select(consumer => consumer with
            {
                PerSecond = Finite(consumer.PerSecond) ?? 0,
                ErrorsPerSecond = Finite(consumer.ErrorsPerSecond) ?? 0,
                P95 = Finite(consumer.P95),
            }).ToList(),
            latest?.Internals ?? Internals.None,
            notifications ?? []);
    }

    // JSON has no NaN or infinity; four decimals are finer than any chart here draws.
    private static double? Finite(double? value) => value is { } number && double.IsFinite(number) ? Math.Round(number, 4) : null;
}
