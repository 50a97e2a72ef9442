using System.Globalization;
using System.Text.Json;

namespace Commerce.Operations.Metrics;

/// <summary>Reads the page's metrics and the alerts from Prometheus's HTTP API (<c>/api/v1/query</c>, <c>/api/v1/alerts</c>).</summary>
public sealed class PrometheusSource(Uri prometheus, HttpClient http)
{
    /// <summary>Far longer than a healthy Prometheus takes, short enough that the page says within seconds that it is gone.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    // Relative to the base, so a Prometheus served under a route prefix (--web.route-prefix) works too.
    private readonly Uri api = new(new Uri(prometheus.AbsoluteUri.TrimEnd('/') + "/"), "api/v1/");

    public Uri Address => prometheus;

    public async Task<MetricFrame> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            var queries = DashboardQueries.All.Select(async query => (query, series: await QueryAsync(query.PromQl, cancellationToken))).ToList();
            var alerts = AlertsAsync(cancellationToken);
            var results = await Task.WhenAll(queries);
            return new MetricFrame
            {
                Series = results.ToDictionary(result => result.query, result => result.series),
                Alerts = await alerts,
            };
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or JsonException or InvalidOperationException)
        {
            // Alerts unknown, not none: a page that says "No alerts" while Prometheus is down would mislead.
            return new MetricFrame { Note = $"Prometheus did not answer at {prometheus}: {exception.Message}" };
        }
    }

    private async Task<List<Series>> QueryAsync(string promQl, CancellationToken cancellationToken)
    {
        using var document = await GetAsync($"query?query={Uri.EscapeDataString(promQl)}", cancellationToken);
        var series = new List<Series>();
        foreach (var result in document.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            var labels = result.GetProperty("metric").EnumerateObject().ToDictionary(label => label.Name, label => label.Value.GetString() ?? "");
            var value = result.GetProperty("value")[1].GetString();
            // NaN (a quantile of nothing) is no value for the page.
            if (PrometheusNumber.TryParse(value ?? "", out var number) && double.IsFinite(number)) series.Add(new Series(labels, number));
        }

        return series;
    }

    private async Task<List<AlertInfo>> AlertsAsync(CancellationToken cancellationToken)
    {
        using var document = await GetAsync("alerts", cancellationToken);
        var alerts = new List<AlertInfo>();
        foreach (var alert in document.RootElement.GetProperty("data").GetProperty("alerts").EnumerateArray())
        {
            var labels = alert.GetProperty("labels").EnumerateObject().ToDictionary(label => label.Name, label => label.Value.GetString() ?? "");
            var annotations = alert.TryGetProperty("annotations", out var found)
                ? found.EnumerateObject().ToDictionary(annotation => annotation.Name, annotation => annotation.Value.GetString() ?? "")
                : [];
            DateTimeOffset? activeAt = alert.TryGetProperty("activeAt", out var active) &&
                DateTimeOffset.TryParse(active.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : null;
            alerts.Add(new AlertInfo(
                labels.GetValueOrDefault("alertname", "?"),
                labels.GetValueOrDefault("severity", "none"),
                alert.GetProperty("state").GetString() ?? "",
                annotations.GetValueOrDefault("summary"),
                annotations.GetValueOrDefault("description"),
                labels.Where(label => label.Key is not ("alertname" or "severity")).ToDictionary(),
                activeAt));
        }

        return alerts;
    }

    private async Task<JsonDocument> GetAsync(string relativeUri, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri(api, relativeUri), cancellationToken);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        return await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
    }
}
