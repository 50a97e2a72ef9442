using Commerce.ServiceDefaults.OpenApi;
using Commerce.ServiceDefaults.Auth;
using Commerce.ServiceDefaults.Data;
using Commerce.ServiceDefaults.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Configuration;
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

    /// <summary>Settings Program requires, for build-time document generation only: addresses nothing listens on, a throwaway key.</summary>
    private static readonly Dictionary<string, string?> BuildTimePlaceholders = new[] { "orderdb", "stockdb", "walletdb", "coupondb", "notificationdb" }
        .ToDictionary(database => $"ConnectionStrings:{database}", database => (string?)$"Host=127.0.0.1;Port=1;Database={database};Username=none;Password=none")
        .Concat(new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = "127.0.0.1:1,abortConnect=false",
            ["ConnectionStrings:rabbitmq"] = "amqp://none:none@127.0.0.1:1/",
            ["Auth:SigningKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        })
        .ToDictionary();

    /// <summary>
    /// The container Program builds, less the hosted services of its own and its libraries (migrations, the bus, relays,
    /// sweepers): ASP.NET Core's web host stays, because the document is read from the running endpoints. They would try
    /// the placeholders' addresses until the build gave up.
    /// </summary>
    private sealed class WithoutBackgroundWork : IServiceProviderFactory<IServiceCollection>
    {
        public IServiceCollection CreateBuilder(IServiceCollection services)
        {
            foreach (var hosted in services.Where(service => service.ServiceType == typeof(IHostedService)).ToList())
            {
                var type = hosted.ImplementationType ?? hosted.ImplementationInstance?.GetType();
                if (type?.Namespace?.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) != true) services.Remove(hosted);
            }

            return services;
        }

        public IServiceProvider CreateServiceProvider(IServiceCollection containerBuilder) => containerBuilder.BuildServiceProvider();
    }

    private const string HealthPath = "/health";
    private const string AlivePath = "/alive";
    private const string MetricsPath = "/metrics";

    /// <summary>
    /// True while the build writes the service's OpenAPI document (Microsoft.Extensions.ApiDescription.Server runs Program
    /// under its GetDocument.Insider with a server that takes no requests). ASP.NET Core's documented check.
    /// </summary>
    public static bool IsBuildTimeDocumentGeneration { get; } =
        System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name == "GetDocument.Insider";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        if (IsBuildTimeDocumentGeneration)
        {
            // Program registers its database, Redis and broker as it always does, so the document sees the same endpoints
            // and parameters; nothing is connected to while the document is written, and no secret is needed for it.
            builder.Configuration.AddInMemoryCollection(BuildTimePlaceholders);
            builder.ConfigureContainer(new WithoutBackgroundWork());
        }

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
        // The service's own document (/openapi/v1.json, internal like /metrics): the build merges the build-time ones into the
        // storefront's, and a test checks that this running one is the same.
        app.MapOpenApi();
        return app;
    }

    public static bool IsOperationalPath(Microsoft.AspNetCore.Http.PathString path) =>
        path.StartsWithSegments(HealthPath) || path.StartsWithSegments(AlivePath) || path.StartsWithSegments(MetricsPath);
}
