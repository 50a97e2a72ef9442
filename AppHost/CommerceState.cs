using System.Security.Cryptography;
using System.Text.Json;
using Commerce.AppHost.Supervision;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.AppHost;

/// <summary>
/// What the whole system shares while it runs: the state folder (<c>.commerce/</c>, or <c>--state-dir</c>) with the data,
/// logs and <c>endpoints.json</c>; <c>--fresh</c>; the development secrets; the settings every service gets. Running, it
/// also registers what Aspire does not do by itself: restarting what dies, and writing endpoints.json and log files.
/// </summary>
public sealed class CommerceState
{
    public const string FreshKey = "Commerce:Fresh";
    public const string InfrastructureOnlyKey = "Commerce:InfrastructureOnly";
    public const string StateDirectoryKey = "Commerce:StateDirectory";
    public const string ReplicasKey = "Replicas";
    public const string TraceSampleRatioKey = "Telemetry:TraceSampleRatio";

    /// <summary>The services that may run as several copies (the Gateway and the operations page run one).</summary>
    private static readonly string[] ReplicatedServices = ["order", "stock", "wallet", "coupon", "notification"];

    /// <summary>Configuration sections that are the services' settings (README.md's table): every service gets them.</summary>
    private static readonly string[] ServiceSections =
        ["Orders", "Coupons", "Database", "Messaging", "Gateway", "RateLimiting", "Notifications"];

    private CommerceState(IDistributedApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        RepositoryRoot = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."));
        StateDirectory = Path.GetFullPath(configuration[StateDirectoryKey] ?? Path.Combine(RepositoryRoot, ".commerce"));
        InfrastructureOnly = configuration.GetValue<bool>(InfrastructureOnlyKey);
        IsRunning = builder.ExecutionContext.IsRunMode;
        DashboardUrl = configuration["ASPNETCORE_URLS"]?.Split(';', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        var replicas = configuration.GetValue(ReplicasKey, 1);
        Replicas = ReplicatedServices.ToDictionary(
            service => service, service => Math.Max(1, configuration.GetValue($"{ReplicasKey}:{service}", replicas)), StringComparer.OrdinalIgnoreCase);
        TraceSampleRatio = configuration.GetValue<double?>(TraceSampleRatioKey) is { } ratio
            ? (ratio is >= 0 and <= 1 ? ratio : throw new ArgumentException($"{TraceSampleRatioKey} must be between 0 and 1, not {ratio}."))
            : null;
        ServiceSettings = ServiceSections
            .SelectMany(section => configuration.GetSection(section).AsEnumerable())
            .Where(setting => setting.Value is not null)
            .ToDictionary(setting => setting.Key.Replace(":", "__", StringComparison.Ordinal), setting => setting.Value!);
        if (IsRunning)
        {
            if (configuration.GetValue<bool>(FreshKey)) Wipe(StateDirectory);
            Directory.CreateDirectory(LogDirectory);
            Secrets = DevelopmentSecrets.LoadOrCreate(Path.Combine(StateDirectory, "secrets.json"));
        }
        else
        {
            Secrets = DevelopmentSecrets.None;
        }
    }

    public string RepositoryRoot { get; }
    public string StateDirectory { get; }
    public string LogDirectory => Path.Combine(StateDirectory, "logs");
    public bool InfrastructureOnly { get; }

    /// <summary>Running locally (not publishing a manifest): infrastructure comes from the machine's binaries.</summary>
    public bool IsRunning { get; }

    public DevelopmentSecrets Secrets { get; }

    /// <summary>The Aspire dashboard: the AppHost's own URL (Properties/launchSettings.json with dotnet run); null when it is off.</summary>
    public string? DashboardUrl { get; }

    /// <summary>
    /// The share of requests and messages traced (<c>--trace-sample-ratio</c>, <c>Telemetry__TraceSampleRatio</c>); null
    /// traces everything, as Aspire does by default. The load suites set 0.1: every span is CPU on a machine that runs out of it.
    /// </summary>
    public double? TraceSampleRatio { get; }

    /// <summary>Copies of each replicated service: <c>--replicas N</c> for all, <c>Replicas__Order=3</c> for one.</summary>
    public IReadOnlyDictionary<string, int> Replicas { get; }

    /// <summary><c>Orders__LockScope</c> and the like, as the AppHost was given them (environment or command line).</summary>
    public IReadOnlyDictionary<string, string> ServiceSettings { get; }

    /// <summary>JWT settings every service validates tokens with; the key is new at every start and never stored.</summary>
    public JwtSettings Auth { get; } = new("commerce-dev", "commerce", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));

    public string DataDirectory(string resource) => Path.Combine(StateDirectory, resource);

    /// <summary>Publishing, the signing key is a secret parameter of the deployment, not a value in the manifest.</summary>
    public IResourceBuilder<ParameterResource>? SigningKeyParameter { get; private set; }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IDistributedApplicationBuilder, CommerceState> States = [];

    /// <summary>The state of the system <paramref name="builder"/> builds (the resources' Add methods need its folders and secrets).</summary>
    public static CommerceState Of(IDistributedApplicationBuilder builder) => States.GetValue(builder, Add);

    private static CommerceState Add(IDistributedApplicationBuilder builder)
    {
        var state = new CommerceState(builder);
        builder.Services.AddSingleton(state);
        if (!state.IsRunning)
        {
            state.SigningKeyParameter = builder.AddParameter("auth-signing-key", secret: true);
        }
        else
        {
            builder.Services.AddHostedService<RestartWhatDies>();
            builder.Services.AddHostedService<EndpointsFile>();
            builder.Services.AddHostedService<ResourceLogFiles>();
        }

        return state;
    }

    private static void Wipe(string directory)
    {
        if (!Directory.Exists(directory)) return;
        foreach (var entry in Directory.EnumerateFileSystemEntries(directory))
        {
            if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
            else File.Delete(entry);
        }
    }
}

/// <summary>The development JWT settings (<c>Auth__Issuer</c>, <c>Auth__Audience</c>, <c>Auth__SigningKey</c>).</summary>
public sealed record JwtSettings(string Issuer, string Audience, string SigningKey);

/// <summary>
/// Passwords for the local PostgreSQL, Redis and RabbitMQ: generated on the first start and kept in the state folder
/// (readable by its owner only), because the data they protect is kept too. Never in the repository.
/// </summary>
public sealed record DevelopmentSecrets(string PostgresPassword, string RedisPassword, string RabbitMqPassword)
{
    public static readonly DevelopmentSecrets None = new("", "", "");

    public static DevelopmentSecrets LoadOrCreate(string path)
    {
        if (File.Exists(path) && JsonSerializer.Deserialize<DevelopmentSecrets>(File.ReadAllText(path)) is { } existing)
        {
            return existing;
        }

        var created = new DevelopmentSecrets(NewPassword(), NewPassword(), NewPassword());
        File.WriteAllText(path, JsonSerializer.Serialize(created));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return created;
    }

    // Hex: safe in a connection string, a URI and a config file without escaping.
    private static string NewPassword() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}

public static class CommerceStateExtensions
{
    public static CommerceState AddCommerceState(this IDistributedApplicationBuilder builder) => CommerceState.Of(builder);

    /// <summary>
    /// A Commerce service: an HTTP endpoint, ready when its <c>/health</c> answers, with every service setting, the JWT
    /// settings, and .NET's Development environment when run locally (the Gateway's <c>/dev/token</c>). With replicas, DCP's
    /// proxy behind the endpoint balances requests over the copies and RabbitMQ's competing consumers the messages.
    /// </summary>
    /// <remarks>
    /// A single copy is reached directly, without DCP's proxy (Aspire allows a proxy-less endpoint only without replicas):
    /// the proxy doubled every hop's cost. Pings through the Gateway and both proxies made 1,700-7,800/s on this machine
    /// against 5,100 before Aspire, straight to Stock 12,000/s through its proxy against 27,600/s without.
    /// </remarks>
    public static IResourceBuilder<ProjectResource> AsCommerceService(this IResourceBuilder<ProjectResource> service, CommerceState state)
    {
        var replicas = state.Replicas.GetValueOrDefault(service.Resource.Name, 1);
        if (replicas > 1)
        {
            service.WithReplicas(replicas);
        }

        service.WithHttpEndpoint(name: "http", isProxied: replicas > 1)
            .WithHttpHealthCheck("/health")
            .WithEnvironment("Auth__Issuer", state.Auth.Issuer)
            .WithEnvironment("Auth__Audience", state.Auth.Audience)
            // MassTransit 8.4+ reports usage to an outside host unless told not to.
            .WithEnvironment("MASSTRANSIT_USAGE_TELEMETRY", "false")
            // One record per line in .commerce/logs, so grep finds a whole record (the options apply once a formatter is named).
            .WithEnvironment("Logging__Console__FormatterName", "simple")
            .WithEnvironment("Logging__Console__FormatterOptions__SingleLine", "true")
            // Every request and query at Information drowns what matters, and costs CPU under load.
            .WithEnvironment("Logging__LogLevel__Microsoft.AspNetCore", "Warning")
            .WithEnvironment("Logging__LogLevel__Microsoft.EntityFrameworkCore", "Warning")
            // Aspire's Npgsql integration hands Npgsql the logger, which logs every command at Information.
            .WithEnvironment("Logging__LogLevel__Npgsql", "Warning")
            .WithEnvironment("Logging__LogLevel__Yarp", "Warning")
            // The runtime holds back optimising hot methods while new ones keep being called, and a rush on a fresh system is
            // exactly that: without the delay a fresh coupon rush answered 2,600-3,000/s instead of 1,700-1,900 (loadtests/README.md).
            .WithEnvironment("DOTNET_TC_CallCountingDelayMs", "0")
            // Aspire exports metrics to its dashboard every second; Prometheus scrapes /metrics for the alerts anyway, and
            // an idle system of thirteen processes kept the dashboard at a quarter of a core.
            .WithEnvironment("OTEL_METRIC_EXPORT_INTERVAL", "10000");
        if (state.SigningKeyParameter is { } signingKey)
        {
            service.WithEnvironment("Auth__SigningKey", signingKey);
        }
        else
        {
            service.WithEnvironment("Auth__SigningKey", state.Auth.SigningKey)
                .WithEnvironment("ASPNETCORE_ENVIRONMENT", "Development");
        }

        if (state.TraceSampleRatio is { } ratio)
        {
            // The OpenTelemetry SDK's own settings; parent-based, so a sampled request stays whole across the services.
            service.WithEnvironment("OTEL_TRACES_SAMPLER", "parentbased_traceidratio")
                .WithEnvironment("OTEL_TRACES_SAMPLER_ARG", ratio.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        foreach (var (key, value) in state.ServiceSettings)
        {
            service.WithEnvironment(key, value);
        }

        return service;
    }

    /// <summary>The operations page links to the Aspire dashboard for resources, logs and traces.</summary>
    public static IResourceBuilder<ProjectResource> WithAspireDashboardLink(this IResourceBuilder<ProjectResource> page, CommerceState state) =>
        state.DashboardUrl is { } dashboard ? page.WithEnvironment("Operations__AspireDashboardUrl", dashboard) : page;
}
