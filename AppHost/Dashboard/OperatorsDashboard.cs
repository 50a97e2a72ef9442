using System.Net;
using System.Text.Json;
using Commerce.AppHost.Dashboard.Metrics;
using Commerce.AppHost.Hosting;
using Commerce.AppHost.Hosting.Resources;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Commerce.AppHost.Dashboard;

/// <summary>
/// The operators' dashboard, served by the AppHost itself on a loopback port, as .NET Aspire's is: every resource with
/// its state, health, URL, uptime, restarts and last log lines; live per-API traffic, latency and errors; the system's
/// inner gauges; firing alerts on top. One static page that polls <c>/api/state</c>; numbers come from Prometheus's
/// HTTP API, or from the services' /metrics directly where Prometheus is not installed.
/// </summary>
public sealed class OperatorsDashboard : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly WebApplication app;
    private readonly HttpClient http;
    private readonly CancellationTokenSource stopping = new();
    private readonly List<Task> loops;

    private OperatorsDashboard(WebApplication app, HttpClient http, string url, string metricsOrigin, IEnumerable<Func<CancellationToken, Task>> loops)
    {
        this.app = app;
        this.http = http;
        Url = url;
        MetricsOrigin = metricsOrigin;
        this.loops = loops.Select(loop => loop(stopping.Token)).ToList();
    }

    public string Url { get; }

    /// <summary>Where the numbers come from, in words for the console.</summary>
    public string MetricsOrigin { get; }

    /// <summary>Starts serving at once, before any resource starts, so the page shows them starting.</summary>
    public static async Task<OperatorsDashboard> StartAsync(IReadOnlyList<Resource> resources, HostContext context)
    {
        var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) }) { Timeout = TimeSpan.FromSeconds(3) };
        var prometheus = resources.OfType<PrometheusResource>().FirstOrDefault();
        IMetricSource source = prometheus is not null ? new PrometheusSource(prometheus, http) : new ScrapeSource(resources, http);
        var viewers = new Viewers();
        var sampler = new MetricsSampler(source, resources.OfType<ProjectResource>().FirstOrDefault(p => p.IsGateway)?.Name, viewers);
        var health = new ResourceHealth(resources, viewers);

        var port = HostContext.FreeLoopbackPort();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        var app = builder.Build();

        var page = LoadPage();
        app.MapGet("/", () => Results.Content(page, "text/html; charset=utf-8"));
        app.MapGet("/api/state", () =>
        {
            viewers.Seen();
            return TypedResults.Json(DashboardSnapshot.Build(resources, context, health, sampler), Json);
        });
        app.MapGet("/api/logs/{resource}", (string resource, int? lines) =>
            context.Logs.FirstOrDefault(log => log.Name == resource) is { } log
                ? Results.Json(new { resource, lines = log.Tail(Math.Clamp(lines ?? 100, 1, 200)) }, Json)
                : Results.NotFound());
        await app.StartAsync();

        var origin = prometheus is not null
            ? "metrics and alerts from Prometheus"
            : "metrics read from each service's /metrics; no alerts without Prometheus (sudo apt-get install prometheus)";
        return new OperatorsDashboard(app, http, $"http://127.0.0.1:{port}", origin, [sampler.RunAsync, health.RunAsync]);
    }

    private static string LoadPage()
    {
        using var stream = typeof(OperatorsDashboard).Assembly.GetManifestResourceStream("Commerce.AppHost.Dashboard.index.html")
            ?? throw new InvalidOperationException("The dashboard page is not embedded in the AppHost.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await Task.WhenAll(loops);
        await app.StopAsync();
        await app.DisposeAsync();
        http.Dispose();
        stopping.Dispose();
    }
}
