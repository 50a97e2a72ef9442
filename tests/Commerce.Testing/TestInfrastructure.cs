using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Commerce.Testing;

/// <summary>
/// PostgreSQL, Redis and RabbitMQ for the whole test run, started once (an AppHost with --infrastructure-only in a
/// temporary folder) and shared by every system the tests start; each system gets its own databases, RabbitMQ
/// virtual host and Redis database, so systems never see each other's data or messages.
/// </summary>
public sealed class TestInfrastructure : IAsyncDisposable
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static TestInfrastructure? shared;
    private static int nextRedisDatabase;

    private readonly AppHostProcess appHost;

    private TestInfrastructure(AppHostProcess appHost, JsonElement endpoints)
    {
        this.appHost = appHost;
        var connections = endpoints.GetProperty("connectionStrings");
        Postgres = connections.GetProperty("postgres").GetString()!;
        Redis = connections.GetProperty("redis").GetString()!;
        RabbitMq = connections.GetProperty("rabbitmq").GetString()!;
        var management = endpoints.GetProperty("rabbitMqManagement");
        RabbitMqManagement = new Uri(management.GetProperty("url").GetString()!);
        RabbitMqUser = management.GetProperty("user").GetString()!;
        RabbitMqPassword = management.GetProperty("password").GetString()!;
    }

    public string Postgres { get; }
    public string Redis { get; }
    public string RabbitMq { get; }
    public Uri RabbitMqManagement { get; }
    public string RabbitMqUser { get; }
    public string RabbitMqPassword { get; }

    public static async Task<TestInfrastructure> SharedAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (shared is null)
            {
                var appHost = await AppHostProcess.StartAsync(RepositoryPaths.NewTemporaryFolder("infrastructure"), ["--infrastructure-only"],
                    // Seven systems share this server (CommerceSystem), each service's pool bounded to 20 there.
                    new Dictionary<string, string?> { ["Postgres__MaxConnections"] = "1000" });
                shared = new TestInfrastructure(appHost, await appHost.WaitUntilHealthyAsync(TimeSpan.FromMinutes(2)));
            }

            return shared;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>A Redis database number of its own (Redis has 16; 0 is left to people).</summary>
    public static int NextRedisDatabase() => Interlocked.Increment(ref nextRedisDatabase) % 15 + 1;

    /// <summary>Creates a RabbitMQ virtual host the management user may use fully.</summary>
    public async Task CreateVirtualHostAsync(string virtualHost)
    {
        using var client = new HttpClient { BaseAddress = RabbitMqManagement };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{RabbitMqUser}:{RabbitMqPassword}")));
        var escaped = Uri.EscapeDataString(virtualHost);
        (await client.PutAsync($"/api/vhosts/{escaped}", null)).EnsureSuccessStatusCode();
        (await client.PutAsJsonAsync($"/api/permissions/{escaped}/{RabbitMqUser}", new { configure = ".*", write = ".*", read = ".*" }))
            .EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync() => await appHost.DisposeAsync();

    /// <summary>Stops the shared infrastructure at the end of the run.</summary>
    public static async Task StopSharedAsync()
    {
        if (shared is not null)
        {
            await shared.DisposeAsync();
            shared = null;
        }
    }
}
