using System.Net.Http.Headers;
using System.Text.Json;
using Commerce.ServiceDefaults.Auth;
using Npgsql;

namespace Commerce.Testing;

/// <summary>
/// A whole running Commerce system for tests: a real AppHost process running every service and the Gateway on the
/// shared infrastructure, isolated by its own databases, RabbitMQ virtual host and Redis database.
/// </summary>
public sealed class CommerceSystem : IAsyncDisposable
{
    private readonly AppHostProcess appHost;
    private readonly AuthSettings auth;
    private JsonElement endpoints;

    private CommerceSystem(AppHostProcess appHost, JsonElement endpoints)
    {
        this.appHost = appHost;
        this.endpoints = endpoints;
        GatewayUrl = new Uri(endpoints.GetProperty("gateway").GetString()!);
        var authElement = endpoints.GetProperty("auth");
        auth = new AuthSettings(
            authElement.GetProperty("issuer").GetString()!,
            authElement.GetProperty("audience").GetString()!,
            authElement.GetProperty("signingKey").GetString()!);
    }

    public Uri GatewayUrl { get; }

    /// <summary>The operators' dashboard the AppHost serves (resources, live metrics, alerts).</summary>
    public Uri DashboardUrl => new(endpoints.GetProperty("dashboard").GetString()!);

    public string RedisConnectionString => endpoints.GetProperty("connectionStrings").GetProperty("redis").GetString()!;
    public string RabbitMqConnectionString => endpoints.GetProperty("connectionStrings").GetProperty("rabbitmq").GetString()!;
    public AuthSettings Auth => auth;

    /// <summary>
    /// Starts a system named <paramref name="name"/> (letters, digits, '-'). <paramref name="environment"/> reaches every
    /// service (e.g. <c>Orders__LockScope=Global</c>); <paramref name="ownRedis"/> gives it a Redis of its own that
    /// <see cref="KillAsync"/> may kill; <paramref name="ownInfrastructure"/> gives it PostgreSQL, Redis and RabbitMQ of its own,
    /// for tests that kill any of them.
    /// </summary>
    public static async Task<CommerceSystem> StartAsync(
        string name, IReadOnlyDictionary<string, string>? environment = null, bool ownRedis = false, bool ownInfrastructure = false)
    {
        if (ownInfrastructure)
        {
            return await StartAppHostAsync(name, new Dictionary<string, string?>(
                environment?.Select(setting => KeyValuePair.Create(setting.Key, (string?)setting.Value)) ?? []));
        }

        var infrastructure = await TestInfrastructure.SharedAsync();
        var suffix = name.Replace('-', '_').ToLowerInvariant() + "_" + Guid.NewGuid().ToString("N")[..6];
        var virtualHost = suffix;
        await infrastructure.CreateVirtualHostAsync(virtualHost);

        var rabbitMq = new UriBuilder(infrastructure.RabbitMq) { Path = "/" + virtualHost }.Uri.ToString();
        var variables = new Dictionary<string, string?>
        {
            ["ConnectionStrings__postgres"] = infrastructure.Postgres,
            ["ConnectionStrings__rabbitmq"] = rabbitMq,
            // Seven systems share one PostgreSQL: 7 × 5 services × 20 stays under its max_connections (TestInfrastructure).
            ["Database__MaxPoolSize"] = "20",
        };
        foreach (var database in new[] { "orderdb", "stockdb", "walletdb", "coupondb", "notificationdb" })
        {
            variables[$"ConnectionStrings__{database}"] =
                new NpgsqlConnectionStringBuilder(infrastructure.Postgres) { Database = $"{database}_{suffix}" }.ConnectionString;
        }

        if (!ownRedis)
        {
            variables["ConnectionStrings__redis"] = $"{infrastructure.Redis},defaultDatabase={TestInfrastructure.NextRedisDatabase()}";
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            variables[key] = value;
        }

        return await StartAppHostAsync(name, variables);
    }

    private static async Task<CommerceSystem> StartAppHostAsync(string name, Dictionary<string, string?> variables)
    {
        // The tests drive many users from one address; the rate limit has its own test with a low limit.
        variables.TryAdd("RateLimiting__PermitLimit", "1000000");
        var appHost = await AppHostProcess.StartAsync(RepositoryPaths.NewTemporaryFolder(name), [], variables);
        try
        {
            return new CommerceSystem(appHost, await appHost.WaitUntilHealthyAsync(TimeSpan.FromMinutes(3)));
        }
        catch
        {
            await appHost.DisposeAsync();
            throw;
        }
    }

    public string CreateToken(string userId, params string[] roles) =>
        DevelopmentTokens.Create(auth, userId, roles, TimeSpan.FromHours(2));

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
    public Uri ServiceUrl(string resource) => new(endpoints.GetProperty("services").GetProperty(resource).GetString()!);

    public string DatabaseConnectionString(string name) =>
        endpoints.GetProperty("connectionStrings").GetProperty(name).GetString()!;

    /// <summary>The RabbitMQ management API of a system that runs its own broker.</summary>
    public BrokerQueues BrokerQueues()
    {
        var management = endpoints.GetProperty("rabbitMqManagement");
        return new BrokerQueues(
            new Uri(management.GetProperty("url").GetString()!), management.GetProperty("user").GetString()!, management.GetProperty("password").GetString()!);
    }

    public async Task<MessageBusProbe> StartBusProbeAsync() => await MessageBusProbe.StartAsync(RabbitMqConnectionString);

    public int? ProcessId(string resource)
    {
        endpoints = appHost.ReadEndpoints();
        foreach (var element in endpoints.GetProperty("resources").EnumerateArray())
        {
            if (element.GetProperty("name").GetString() == resource)
            {
                return element.TryGetProperty("pid", out var pid) ? pid.GetInt32() : null;
            }
        }

        throw new ArgumentException($"No resource named {resource}.", nameof(resource));
    }

    /// <summary>kill -9 a resource; the AppHost restarts it. Returns once it runs and is healthy again.</summary>
    public async Task KillAsync(string resource)
    {
        var pid = ProcessId(resource) ?? throw new InvalidOperationException($"{resource} is not a process this system runs.");
        System.Diagnostics.Process.GetProcessById(pid).Kill();
        await Eventually.Until(
            () => Task.FromResult(ProcessId(resource) is { } restarted && restarted != pid && IsRunning(resource)),
            TimeSpan.FromMinutes(2),
            $"{resource} restarted after kill -9");
    }

    private bool IsRunning(string resource) => endpoints.GetProperty("resources").EnumerateArray()
        .Any(element => element.GetProperty("name").GetString() == resource && element.GetProperty("state").GetString() == "Running");

    public async ValueTask DisposeAsync() => await appHost.DisposeAsync();
}
