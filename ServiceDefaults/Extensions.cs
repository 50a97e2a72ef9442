using Commerce.ServiceDefaults.OpenApi;
using Commerce.ServiceDefaults.Auth;
using Commerce.ServiceDefaults.Data;
using Commerce.ServiceDefaults.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every Commerce service shares, in .NET Aspire's ServiceDefaults shape: telemetry, health,
/// resilience, service discovery, JWT validation and ProblemDetails.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Our own meters and activity sources all start with this, so one wildcard exports them.</summary>
    public const string CommerceTelemetryPrefix = "Commerce.";

    /// <summary>How many connections may wait for Kestrel to accept them.</summary>
    public const int AcceptBacklog = 4096;

    private const string HealthPath = "/health";
    private const string AlivePath = "/alive";
    private const string MetricsPath = "/metrics";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();

        // A rush opens thousands of connections a second. Kestrel's accept queue (512 by default) overflowed in the
        // coupon rush, the kernel dropped the handshakes, and clients only retried a second later: seconds of latency
        // with idle cores. The kernel still caps this at net.core.somaxconn (4096 on our machines).
        builder.Services.Configure<SocketTransportOptions>(sockets => sockets.Backlog = AcceptBacklog);

        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });

        builder.AddJwtAuthentication();
        builder.AddCommerceProblemDetails();
        builder.AddServiceOpenApi();
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(
                builder.Configuration["OTEL_SERVICE_NAME"] ?? builder.Environment.ApplicationName))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter("MassTransit")
                .AddMeter("Npgsql")
                .AddMeter(CommerceTelemetryPrefix + "*")
                .AddPrometheusExporter());

        // Traces and OpenTelemetry logs only where they go somewhere: without an exporter every request, query and
        // message would still build its spans and log records just to drop them, on machines where the load suites
        // show the CPU is what runs out. Metrics are always on, for /metrics.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Logging.AddOpenTelemetry(logging =>
            {
                logging.IncludeFormattedMessage = true;
                logging.IncludeScopes = true;
            });
            telemetry
                .WithTracing(tracing => tracing
                    .AddSource(builder.Environment.ApplicationName)
                    .AddSource(CommerceTelemetryPrefix + "*")
                    .AddSource("MassTransit")
                    .AddAspNetCoreInstrumentation(options =>
                        // Probes and scrapes are noise in traces.
                        options.Filter = context => !IsOperationalPath(context.Request.Path))
                    .AddHttpClientInstrumentation())
                .UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>
    /// Error handling, <c>/health</c> (every dependency reachable), <c>/alive</c> (process up) and
    /// <c>/metrics</c> (Prometheus text). Always mapped: services bind to loopback and the Gateway never routes these.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<ReadRetryOnLostConnection>();

        app.MapHealthChecks(HealthPath, new HealthCheckOptions
        {
            // MassTransit reports Degraded while some of its endpoints do not consume: not ready either.
            ResultStatusCodes = { [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable },
        });
        app.MapHealthChecks(AlivePath, new HealthCheckOptions { Predicate = check => check.Tags.Contains("live") });
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        // The service's own document (/openapi/v1.json, internal like /metrics): the Gateway merges them into the storefront's.
        app.MapOpenApi();
        return app;
    }

    public static bool IsOperationalPath(Microsoft.AspNetCore.Http.PathString path) =>
        path.StartsWithSegments(HealthPath) || path.StartsWithSegments(AlivePath) || path.StartsWithSegments(MetricsPath);
}
