using System.Diagnostics;
using System.Net.Http.Headers;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Commerce.AppHost;
using Commerce.AppHost.Resources;
using Commerce.AppHost.Supervision;
using Commerce.ServiceDefaults.Auth;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Commerce.Testing;

/// <summary>
/// A whole running Commerce system for tests, started through .NET Aspire's testing host from the real AppHost
/// (<c>DistributedApplicationTestingBuilder</c>): every service and the Gateway, on the shared infrastructure and isolated
/// there by its own databases, RabbitMQ virtual host and Redis database, or on infrastructure of its own.
/// </summary>
public sealed class CommerceSystem : IAsyncDisposable
{
    /// <summary>
    /// A deadline for a start that hangs, not a pace. Starts take turns (<see cref="Starting"/>), but one still shares the
    /// two cores with the tests already running on other systems: on 2026-12-02 OrderAdmissionTests' system, started next
    /// to a replica rush and the browser tests, took 3 min 12 s from its services' launch to their first listen, and the
    /// old 4 min ran out while Operations, the last to start, was still coming up.
    /// </summary>
    private static readonly TimeSpan StartBudget = TimeSpan.FromMinutes(8);

    /// <summary>Two cores: systems that start all at once take minutes each; in turn, seconds.</summary>
    private static readonly SemaphoreSlim Starting = new(1, 1);

    private readonly DistributedApplication app;
    private readonly DistributedApplicationModel model;

    private CommerceSystem(DistributedApplication app, Uri gateway, Uri? dashboard)
    {
        this.app = app;
        model = app.Services.GetRequiredService<DistributedApplicationModel>();
        GatewayUrl = gateway;
        AspireDashboardUrl = dashboard;
        var auth = app.Services.GetRequiredService<CommerceState>().Auth;
        Auth = new AuthSettings(auth.Issuer, auth.Audience, auth.SigningKey);
    }

    public Uri GatewayUrl { get; }

    /// <summary>The Aspire dashboard (with its login token), when the system was started with it.</summary>
    public Uri? AspireDashboardUrl { get; }

    public AuthSettings Auth { get; }

    public ResourceNotificationService Notifications => app.ResourceNotifications;

    /// <summary>
    /// Starts a system named <paramref name="name"/> (letters, digits, '-'). <paramref name="settings"/> reach every service
    /// (e.g. <c>Orders__LockScope=Global</c>) or the AppHost (<c>COMMERCE_EXTRA_RULES</c>); <paramref name="ownRedis"/> gives
    /// it a Redis of its own that <see cref="KillAsync"/> may kill; <paramref name="ownInfrastructure"/> PostgreSQL, Redis
    /// and RabbitMQ of its own; <paramref name="withAspireDashboard"/> runs the Aspire dashboard (and the services' OTLP export).
    /// </summary>
    public static async Task<CommerceSystem> StartAsync(
        string name, IReadOnlyDictionary<string, string>? settings = null, bool ownRedis = false, bool ownInfrastructure = false,
        bool withAspireDashboard = false)
    {
        var state = RepositoryPaths.NewTemporaryFolder(name);
        var configuration = new Dictionary<string, string>
        {
            [CommerceState.StateDirectoryKey] = state,
            // The tests drive many users from one address; the rate limit has its own test with a low limit.
            ["RateLimiting:PermitLimit"] = "1000000",
        };
        if (!ownInfrastructure)
        {
            var infrastructure = await TestInfrastructure.SharedAsync();
            var suffix = name.Replace('-', '_').ToLowerInvariant() + "_" + Guid.NewGuid().ToString("N")[..6];
            await infrastructure.CreateVirtualHostAsync(suffix);
            configuration["ConnectionStrings:postgres"] = infrastructure.Postgres;
            configuration["ConnectionStrings:rabbitmq"] = new UriBuilder(infrastructure.RabbitMq) { Path = "/" + suffix }.Uri.ToString();
            // Seven systems share one PostgreSQL: 7 × 6 services × 20 stays under its max_connections (TestInfrastructure).
            configuration["Database:MaxPoolSize"] = "20";
            foreach (var database in new[] { "orderdb", "stockdb", "walletdb", "coupondb", "notificationdb" })
            {
                configuration[$"ConnectionStrings:{database}"] =
                    new NpgsqlConnectionStringBuilder(infrastructure.Postgres) { Database = $"{database}_{suffix}" }.ConnectionString;
            }

            if (!ownRedis)
            {
                configuration["ConnectionStrings:redis"] = $"{infrastructure.Redis},defaultDatabase={TestInfrastructure.NextRedisDatabase()}";
            }
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            configuration[key.Replace("__", ":", StringComparison.Ordinal)] = value;
        }

        await Starting.WaitAsync();
        try
        {
            var app = await StartAppHostAsync(configuration, withAspireDashboard);
            try
            {
                var gateway = app.GetEndpoint("gateway", "http");
                var dashboard = withAspireDashboard ? await app.GetDashboardUrlAsync() : null;
                return new CommerceSystem(app, gateway, dashboard);
            }
            catch
            {
                await app.DisposeAsync();
                throw;
            }
        }
        finally
        {
            Starting.Release();
        }
    }

    /// <summary>The AppHost in this process, as Aspire's testing host runs it; returns once every resource is healthy.</summary>
    internal static async Task<DistributedApplication> StartAppHostAsync(IReadOnlyDictionary<string, string> configuration, bool withAspireDashboard)
    {
        using var budget = new CancellationTokenSource(StartBudget);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            new DistributedApplicationTestingBuilderOptions { EnableDashboard = withAspireDashboard },
            [.. configuration.Select(setting => $"--{setting.Key}={setting.Value}")],
            budget.Token);
        var app = await builder.BuildAsync(budget.Token);
        var states = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
        _ = Task.Run(async () =>
        {
            await foreach (var update in app.ResourceNotifications.WatchAsync(budget.Token))
            {
                states[update.ResourceId] = $"{update.Snapshot.State?.Text ?? "?"}/{update.Snapshot.HealthStatus?.ToString() ?? "-"}";
            }
        }, budget.Token);
        try
        {
            await app.StartAsync(budget.Token);
            var model = app.Services.GetRequiredService<DistributedApplicationModel>();
            foreach (var resource in model.Resources.Where(resource => Processes.IsProcess(resource) && !Processes.RunsOnce(resource)))
            {
                await app.ResourceNotifications.WaitForResourceHealthyAsync(resource.Name, budget.Token);
            }

            return app;
        }
        catch (OperationCanceledException exception) when (budget.IsCancellationRequested)
        {
            await app.DisposeAsync();
            throw new TimeoutException(
                $"The system was not healthy within {StartBudget.TotalMinutes} minutes: "
                + string.Join(", ", states.OrderBy(state => state.Key).Select(state => $"{state.Key} {state.Value}")), exception);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    public string CreateToken(string userId, params string[] roles) =>
        DevelopmentTokens.Create(Auth, userId, roles, TimeSpan.FromHours(2));

    /// <summary>An HttpClient on the Gateway, carrying a token for <paramref name="userId"/> (none when null).</summary>
    public HttpClient CreateClient(string? userId = null, params string[] roles)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 2000 })
        {
            BaseAddress = GatewayUrl,
            Timeout = TimeSpan.FromSeconds(60),
        };
        if (userId is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", CreateToken(userId, roles));
        }

        return client;
    }

    /// <summary>The resource's own address (for /health and /metrics, which the Gateway does not route).</summary>
    public Uri ServiceUrl(string resource) => app.GetEndpoint(resource, "http");

    /// <summary>
    /// Each copy's own address. With replicas, <see cref="ServiceUrl"/> is DCP's proxy, which answers from any copy: a
    /// copy's counters read through it moved back and forth between reads, and a metrics test failed on that.
    /// </summary>
    public async Task<IReadOnlyList<Uri>> CopyUrlsAsync(string resource)
    {
        var copies = model.Resources.Single(candidate => candidate.Name == resource)
            .Annotations.OfType<ReplicaAnnotation>().SingleOrDefault()?.Replicas ?? 1;
        if (copies == 1) return [ServiceUrl(resource)];
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var urls = new Dictionary<string, Uri>();
        // The watch replays every resource's last snapshot first, so running copies are seen at once.
        await foreach (var update in Notifications.WatchAsync(budget.Token))
        {
            if (update.Resource.Name != resource || ProcessIds.OwnUrl(update) is not { } own) continue;
            urls[update.ResourceId] = own;
            if (urls.Count == copies) break;
        }

        return [.. urls.Values];
    }

    public string DatabaseConnectionString(string name) =>
        app.GetConnectionStringAsync(name).AsTask().GetAwaiter().GetResult() ?? throw new ArgumentException($"No connection string {name}.");

    public string RedisConnectionString => DatabaseConnectionString("redis");
    public string RabbitMqConnectionString => DatabaseConnectionString("rabbitmq");

    public async Task<MessageBusProbe> StartBusProbeAsync() => await MessageBusProbe.StartAsync(RabbitMqConnectionString);

    /// <summary>The RabbitMQ management API of a system that runs its own broker.</summary>
    public BrokerQueues BrokerQueues()
    {
        var broker = model.Resources.OfType<LocalRabbitMQResource>().Single();
        return new BrokerQueues(new Uri(broker.Management.Url), LocalRabbitMQResource.UserName, broker.Password);
    }

    /// <summary>The process a resource runs now (a service's own process, not its launcher), once it runs one.</summary>
    public async Task<int> ProcessIdAsync(string resource)
    {
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var update = await Notifications.WaitForResourceAsync(resource, update => ProcessIds.Of(update) is not null, budget.Token);
        return ProcessIds.Of(update)!.Value;
    }

    /// <summary>
    /// kill -9 a resource's process (one copy's, when it runs several); the AppHost starts it again. Returns once that copy
    /// runs and is healthy again.
    /// </summary>
    public async Task KillAsync(string resource)
    {
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var victim = await Notifications.WaitForResourceAsync(resource, update => ProcessIds.Of(update) is not null, budget.Token);
        var pid = ProcessIds.Of(victim)!.Value;
        Process.GetProcessById(pid).Kill();
        try
        {
            var back = await Notifications.WaitForResourceAsync(resource, update =>
                update.ResourceId == victim.ResourceId
                && update.Snapshot.State?.Text == KnownResourceStates.Running
                // A fresh process has no verdict yet (null); a resource with health checks must have passed them.
                && (update.Snapshot.HealthStatus == HealthStatus.Healthy || (update.Snapshot.HealthStatus is null && update.Snapshot.HealthReports.IsEmpty))
                && ProcessIds.Of(update) is { } restarted && restarted != pid, budget.Token);
            // The snapshot's health may still be the dead process's: a service's own /health is the new process's word.
            if (ProcessIds.OwnUrl(back) is { } own) await WaitUntilHealthyAsync(own, budget.Token);
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested)
        {
            throw new TimeoutException($"{resource} was not running and healthy again within 2 minutes of kill -9.");
        }
    }

    private static async Task WaitUntilHealthyAsync(Uri service, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.Until(async () =>
        {
            using var health = await http.GetAsync(new Uri(service, "/health"), cancellationToken);
            return health.StatusCode;
        }, status => status == System.Net.HttpStatusCode.OK, TimeSpan.FromMinutes(2), $"{service}/health answers 200");
    }

    /// <summary>
    /// The last <paramref name="last"/> lines of each resource's log (under the state folder's logs/) that contain one of
    /// <paramref name="texts"/>, cut to one screen line each, for failure messages. Per resource: the last lines of all logs
    /// together once showed only Coupon's, and the failing queue was Stock's.
    /// </summary>
    public string LogLines(int last, params string[] texts)
    {
        const int Width = 220;
        var logs = app.Services.GetRequiredService<CommerceState>().LogDirectory;
        var lines = Directory.Exists(logs)
            ? Directory.EnumerateFiles(logs, "*.log").Order()
                .SelectMany(file => ReadShared(file)
                    .Where(line => texts.Any(text => line.Contains(text, StringComparison.OrdinalIgnoreCase)))
                    .TakeLast(last)
                    .Select(line => $"{Path.GetFileNameWithoutExtension(file)}: {(line.Length > Width ? line[..Width] : line)}"))
            : [];
        return string.Join('\n', lines);

        static string[] ReadShared(string file)
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return new StreamReader(stream).ReadToEnd().Split('\n');
        }
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}
