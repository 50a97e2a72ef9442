using Commerce.Operations.Alerts;
using Commerce.Operations.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.AspNetCore.Http.HttpResults;
using OpenTelemetry.Instrumentation.AspNetCore;
using OpenTelemetry.Instrumentation.Http;

namespace Commerce.Operations;

/// <summary>
/// The operations page: <c>/</c> is one static page that polls <c>/api/state</c> every 2 s; the numbers and alerts come
/// from Prometheus's HTTP API, sampled in the background so the charts have five minutes of history when the page opens.
/// </summary>
public static class OperationsPage
{
    private const string PageResourceName = "Commerce.Operations.index.html";
    private const string StatePath = "/api/state";

    /// <summary>Where Alertmanager posts its notifications (the AppHost configures it so).</summary>
    public const string NotificationsPath = "/api/alert-notifications";

    public static IHostApplicationBuilder AddOperationsPage(this IHostApplicationBuilder builder)
    {
        var settings = OperationsSettings.From(builder.Configuration);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<Viewers>();
        builder.Services.AddSingleton<AlertNotifications>();
        builder.Services.TryAddSingleton(TimeProvider.System);

        // The sampler's next read is the retry: the standard handler's retries would only make a read outlast its 2 s tick.
        // RemoveAllResilienceHandlers is marked experimental (EXTEXP0001); it is the documented way to opt one client out.
#pragma warning disable EXTEXP0001
        builder.Services.AddHttpClient(nameof(PrometheusSource), http => http.Timeout = PrometheusSource.Timeout)
            .RemoveAllResilienceHandlers()
#pragma warning restore EXTEXP0001
            // Twenty requests every 2 s would drown the page's own log lines in the Aspire dashboard.
            .RemoveAllLoggers();
        // One client for the process's life is fine here: Prometheus's address is fixed, there is no DNS change to follow.
        builder.Services.AddSingleton(services => new PrometheusSource(
            settings.Prometheus, services.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(PrometheusSource))));
        builder.Services.AddSingleton<MetricsSampler>();
        builder.Services.AddHostedService(services => services.GetRequiredService<MetricsSampler>());

        KeepPollingOutOfTraces(builder.Services, settings);
        return builder;
    }

    public static IEndpointRouteBuilder MapOperationsPage(this IEndpointRouteBuilder app)
    {
        var page = LoadPage();
        app.MapGet("/", () => TypedResults.Content(page, "text/html; charset=utf-8"));
        app.MapGet(StatePath, Ok<DashboardSnapshot> (MetricsSampler sampler, OperationsSettings settings, Viewers viewers, AlertNotifications notifications) =>
        {
            viewers.Seen();
            return TypedResults.Ok(DashboardSnapshot.Build(sampler.History, settings, DateTimeOffset.UtcNow, notifications.Recent()));
        });
        app.MapPost(NotificationsPath, Ok (AlertmanagerWebhook webhook, AlertNotifications notifications) =>
        {
            notifications.Receive(webhook);
            return TypedResults.Ok();
        });
        app.MapGet(NotificationsPath, Ok<IReadOnlyList<AlertNotification>> (AlertNotifications notifications) =>
            TypedResults.Ok(notifications.Recent()));
        return app;
    }

    // The sampler's queries and the page's polls repeat every 2 s for as long as the system runs: as traces they would
    // bury the requests an operator looks for in the Aspire dashboard.
    private static void KeepPollingOutOfTraces(IServiceCollection services, OperationsSettings settings)
    {
        services.PostConfigure<HttpClientTraceInstrumentationOptions>(options =>
        {
            var defaultFilter = options.FilterHttpRequestMessage;
            options.FilterHttpRequestMessage = request =>
                request.RequestUri?.Authority != settings.Prometheus.Authority && (defaultFilter?.Invoke(request) ?? true);
        });
        services.PostConfigure<AspNetCoreTraceInstrumentationOptions>(options =>
        {
            var defaultFilter = options.Filter;
            options.Filter = context => context.Request.Path != StatePath && context.Request.Path != NotificationsPath && (defaultFilter?.Invoke(context) ?? true);
        });
    }

    private static string LoadPage()
    {
        using var stream = typeof(OperationsPage).Assembly.GetManifestResourceStream(PageResourceName)
            ?? throw new InvalidOperationException($"{PageResourceName} is not embedded in the Operations assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
