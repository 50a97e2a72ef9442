using System.Globalization;
using System.Text.Json;
using Commerce.AppHost.Hosting;
using Commerce.AppHost.Hosting.Resources;

namespace Commerce.AppHost.Dashboard.Metrics;

/// <summary>Reads the dashboard's metrics and the alerts from Prometheus's HTTP API (<c>/api/v1/query</c>, <c>/api/v1/alerts</c>).</summary>
public sealed class PrometheusSource(PrometheusResource prometheus, HttpClient http) : IMetricSource
{
    public async Task<MetricFrame> ReadAsync(CancellationToken cancellationToken)
    {
        if (prometheus.State != ResourceState.Running)
        {
            return new MetricFrame { Source = "prometheus", Alerts = [], Note = $"Prometheus is {prometheus.State.ToString().ToLowerInvariant()}." };
        }

        try
        {
            var queries = DashboardQueries.All.Select(async query => (query, series: await QueryAsync(query.PromQl, cancellationToken))).ToList();
            var targets = QueryAsync("up", cancellationToken);
            var alerts = AlertsAsync(cancellationToken);
            var results = await Task.WhenAll(queries);
            return new MetricFrame
            {
                Source = "prometheus",
                Series = results.ToDictionary(result => result.query, result => result.series),
                Targets = (await targets).GroupBy(series => series.Label("job")).ToDictionary(job => job.Key, job => job.All(series => series.Value > 0)),
                Alerts = await alerts,
            };
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or JsonException or InvalidOperationException)
        {
            return new MetricFrame { Source = "prometheus", Alerts = [], Note = $"Prometheus did not answer: {exception.Message}" };
        }
    }

    private async Task<List<Series>> QueryAsync(string promQl, CancellationToken cancellationToken)
    {
        using var document = await GetAsync($"/api/v1/query?query={Uri.EscapeDataString(promQl)}", cancellationToken);
        var series = new List<Series>();
        foreach (var result in document.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            var labels = result.GetProperty("metric").EnumerateObject().ToDictionary(label => label.Name, label => label.Value.GetString() ?? "");
            var value = result.GetProperty("value")[1].GetString();
            // NaN (a quantile of nothing) is no value for the page.
            if (ExpositionFormat.TryParseBound(value ?? "", out var number) && double.IsFinite(number)) series.Add(new Series(labels, number));
        }

        return series;
    }

    private async Task<List<AlertInfo>> AlertsAsync(CancellationToken cancellationToken)
    {
        using var document = await GetAsync("/api/v1/alerts", cancellationToken);
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

    private async Task<JsonDocument> GetAsync(string pathAndQuery, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(prometheus.Url + pathAndQuery, cancellationToken);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        return await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
    }
}
