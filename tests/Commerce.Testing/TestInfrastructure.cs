using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Commerce.AppHost;
using Commerce.AppHost.Resources;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Testing;

/// <summary>
/// PostgreSQL, Redis and RabbitMQ for the whole test run, started once (the AppHost with <c>--infrastructure-only</c>) and
/// shared by every system the tests start; each system gets its own databases, RabbitMQ virtual host and Redis database,
/// so systems never see each other's data or messages.
/// </summary>
public sealed class TestInfrastructure : IAsyncDisposable
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static TestInfrastructure? shared;
    private static int nextRedisDatabase;

    private readonly DistributedApplication app;
    private readonly LocalRabbitMQResource broker;

    private TestInfrastructure(DistributedApplication app, string postgres, string redis, string rabbitMq)
    {
        this.app = app;
        Postgres = postgres;
        Redis = redis;
        RabbitMq = rabbitMq;
        broker = app.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<LocalRabbitMQResource>().Single();
    }

    public string Postgres { get; }
    public string Redis { get; }
    public string RabbitMq { get; }

    public static async Task<TestInfrastructure> SharedAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (shared is null)
            {
                var app = await CommerceSystem.StartAppHostAsync(new Dictionary<string, string>
                {
                    [CommerceState.StateDirectoryKey] = RepositoryPaths.NewTemporaryFolder("infrastructure"),
                    [CommerceState.InfrastructureOnlyKey] = "true",
                    // Seven systems share this server (CommerceSystem), each service's pool bounded to 20 there.
                    ["Postgres:MaxConnections"] = "1000",
                }, withAspireDashboard: false);
                shared = new TestInfrastructure(
                    app,
                    (await app.GetConnectionStringAsync("postgres"))!,
                    (await app.GetConnectionStringAsync("redis"))!,
                    (await app.GetConnectionStringAsync("rabbitmq"))!);
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
        using var client = new HttpClient { BaseAddress = new Uri(broker.Management.Url) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{LocalRabbitMQResource.UserName}:{broker.Password}")));
        var escaped = Uri.EscapeDataString(virtualHost);
        (await client.PutAsync($"/api/vhosts/{escaped}", null)).EnsureSuccessStatusCode();
        (await client.PutAsJsonAsync($"/api/permissions/{escaped}/{LocalRabbitMQResource.UserName}", new { configure = ".*", write = ".*", read = ".*" }))
            .EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();

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
