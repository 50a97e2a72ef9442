using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace Commerce.LoadTests.Harness;

/// <summary>
/// Watches Prometheus's alerts while a suite runs (its <c>/api/v1/alerts</c>, every 2 s, the rule evaluation interval):
/// when each alert first went pending and first fired, counted from <see cref="Start"/>. With the operations page's
/// address it also tells when Alertmanager's notification of an alert reached the page (the local receiver).
/// </summary>
public sealed class AlertWatch : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly Uri prometheus;
    private readonly Uri? operations;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource stop = new();
    private readonly ConcurrentDictionary<string, AlertTimes> seen = new(StringComparer.Ordinal);
    private readonly Task polling;

    public sealed record AlertTimes(string Severity, TimeSpan? Pending, TimeSpan? Firing, TimeSpan? Notified);

    private AlertWatch(Uri prometheus, Uri? operations)
    {
        this.prometheus = prometheus;
        this.operations = operations;
        polling = PollAsync(stop.Token);
    }

    /// <summary>Starts watching now: every time it reports is counted from this moment.</summary>
    public static AlertWatch Start(Uri prometheus, Uri? operations) => new(prometheus, operations);

    public TimeSpan Elapsed => clock.Elapsed;

    /// <summary>When Prometheus first counted a placed order (its scrape is every 2 s, so up to 2 s after the first order).</summary>
    public TimeSpan? FirstOrder { get; private set; }

    /// <summary>The times since the first order, where there was one: the suite's setup (funding wallets) is not the alert's delay.</summary>
    public IReadOnlyDictionary<string, AlertTimes> SinceFirstOrder => FirstOrder is not { } first
        ? seen
        : seen.ToDictionary(alert => alert.Key, alert => alert.Value with
        {
            Pending = alert.Value.Pending - first, Firing = alert.Value.Firing - first, Notified = alert.Value.Notified - first,
        });

    public IReadOnlyDictionary<string, AlertTimes> Seen => seen;

    /// <summary>Waits until <paramref name="alert"/> has fired and its notification reached the page, or the deadline passes.</summary>
    public async Task<AlertTimes?> WaitUntilNotifiedAsync(string alert, TimeSpan deadline)
    {
        while (clock.Elapsed < deadline)
        {
            if (seen.TryGetValue(alert, out var times) && times.Firing is not null && (operations is null || times.Notified is not null)) return times;
            await Task.Delay(Interval / 4);
        }

        return seen.GetValueOrDefault(alert);
    }

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        using var pace = new PeriodicTimer(Interval);
        do
        {
            try
            {
                if (FirstOrder is null) await ReadFirstOrderAsync(cancellationToken);
                await ReadAlertsAsync(cancellationToken);
                if (operations is not null) await ReadNotificationsAsync(cancellationToken);
            }
            catch (Exception exception) when (exception is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // The next poll is the retry; a watch that misses one reading is 2 s less precise, not wrong.
            }
        }
        while (await pace.WaitForNextTickAsync(cancellationToken).AsTask().ContinueWith(tick => !tick.IsCanceled && tick.Result, TaskScheduler.Default));
    }

    private async Task ReadAlertsAsync(CancellationToken cancellationToken)
    {
        using var document = JsonDocument.Parse(await http.GetStringAsync(new Uri(prometheus, "/api/v1/alerts"), cancellationToken));
        var now = clock.Elapsed;
        foreach (var alert in document.RootElement.GetProperty("data").GetProperty("alerts").EnumerateArray())
        {
            var labels = alert.GetProperty("labels");
            var name = labels.GetProperty("alertname").GetString()!;
            var severity = labels.TryGetProperty("severity", out var value) ? value.GetString() ?? "" : "";
            var firing = alert.GetProperty("state").GetString() == "firing";
            seen.AddOrUpdate(name,
                _ => new AlertTimes(severity, now, firing ? now : null, null),
                (_, times) => times with { Firing = times.Firing ?? (firing ? now : null) });
        }
    }

    private async Task ReadFirstOrderAsync(CancellationToken cancellationToken)
    {
        var query = Uri.EscapeDataString("sum(commerce_orders_total{status=\"placed\"})");
        using var document = JsonDocument.Parse(await http.GetStringAsync(new Uri(prometheus, $"/api/v1/query?query={query}"), cancellationToken));
        var result = document.RootElement.GetProperty("data").GetProperty("result");
        if (result.GetArrayLength() > 0 && double.Parse(result[0].GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture) > 0)
        {
            FirstOrder = clock.Elapsed;
        }
    }

    private async Task ReadNotificationsAsync(CancellationToken cancellationToken)
    {
        using var document = JsonDocument.Parse(await http.GetStringAsync(new Uri(operations!, "/api/alert-notifications"), cancellationToken));
        var now = clock.Elapsed;
        foreach (var notification in document.RootElement.EnumerateArray().Where(n => n.GetProperty("status").GetString() == "firing"))
        {
            foreach (var name in notification.GetProperty("alertNames").EnumerateArray().Select(n => n.GetString()!))
            {
                seen.AddOrUpdate(name, _ => new AlertTimes("", null, null, now), (_, times) => times with { Notified = times.Notified ?? now });
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        try
        {
            await polling;
        }
        catch (OperationCanceledException)
        {
        }

        stop.Dispose();
        http.Dispose();
    }
}
