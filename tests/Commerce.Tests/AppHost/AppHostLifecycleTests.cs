using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Npgsql;
using StackExchange.Redis;

using Commerce.LoadTests.Harness;

namespace Commerce.Tests.AppHost;

/// <summary>
/// The AppHost as a developer uses it: its own infrastructure, its own state folder, Ctrl+C to stop. These run alone, after
/// the parallel tests: a whole system starting from nothing beside three others on two cores missed a 3-minute budget in CI.
/// </summary>
[Collection(nameof(AppHostLifecycle))]
public sealed class AppHostLifecycleTests
{
    private static readonly TimeSpan StartBudget = TimeSpan.FromMinutes(3);
    private static readonly Dictionary<string, string?> LowRateLimit = new() { ["RateLimiting__PermitLimit"] = "5", ["RateLimiting__WindowSeconds"] = "30" };

    [Fact]
    public async Task Starts_healthy_stops_clean_keeps_data_across_restarts_and_fresh_wipes_it()
    {
        var state = RepositoryPaths.NewTemporaryFolder("lifecycle");

        // A full start: everything healthy, endpoints.json right, the rate limit answers 429; Ctrl+C leaves nothing behind.
        var first = await AppHostProcess.StartAsync(RepositoryPaths.AppHostDll, state, [], LowRateLimit);
        await using (first)
        {
            var endpoints = await first.WaitUntilHealthyAsync(StartBudget, TestContext.Current.CancellationToken);
            await AssertEverythingHealthyAsync(endpoints);
            await AssertRateLimitedAsync(endpoints);
            await WriteKeepsakeAsync(endpoints);

            var processes = ResourcePids(endpoints);
            var ports = ResourcePorts(endpoints);
            Assert.Equal(0, await first.StopAsync(AppHostProcess.SigInt, TimeSpan.FromMinutes(1)));
            // Aspire's DCP stops the resources as the AppHost exits, a few seconds on a busy machine; then nothing is left.
            await Eventually.Until(() => Task.FromResult(processes.All(pid => !IsAlive(pid))), TimeSpan.FromSeconds(30),
                "every process the AppHost started has stopped");
            AssertNothingLeft(state, processes, ports);
        }

        // The data lives in the infrastructure's folders, so restarting that is enough to show what a restart keeps
        // (a second and third full start only cost minutes): a plain restart keeps it, SIGTERM stops it too.
        var second = await AppHostProcess.StartAsync(RepositoryPaths.AppHostDll, state, ["--infrastructure-only"], LowRateLimit);
        await using (second)
        {
            var endpoints = await second.WaitUntilHealthyAsync(StartBudget, TestContext.Current.CancellationToken);
            Assert.True(await KeepsakeExistsAsync(endpoints), "data written before the restart is still there");
            Assert.Equal(0, await second.StopAsync(AppHostProcess.SigTerm, TimeSpan.FromMinutes(1)));
        }

        // --fresh starts from empty databases.
        var third = await AppHostProcess.StartAsync(RepositoryPaths.AppHostDll, state, ["--infrastructure-only", "--fresh"], LowRateLimit);
        await using (third)
        {
            var endpoints = await third.WaitUntilHealthyAsync(StartBudget, TestContext.Current.CancellationToken);
            Assert.False(await KeepsakeExistsAsync(endpoints), "--fresh wiped the data");
            Assert.Equal(0, await third.StopAsync(AppHostProcess.SigInt, TimeSpan.FromMinutes(1)));
        }
    }

    [Fact]
    public async Task A_killed_apphost_takes_its_children_with_it()
    {
        var state = RepositoryPaths.NewTemporaryFolder("orphans");
        await using var appHost = await AppHostProcess.StartAsync(RepositoryPaths.AppHostDll, state, ["--infrastructure-only"], new Dictionary<string, string?>());
        var endpoints = await appHost.WaitUntilHealthyAsync(StartBudget, TestContext.Current.CancellationToken);
        var children = ResourcePids(endpoints);
        Assert.NotEmpty(children);

        System.Diagnostics.Process.GetProcessById(appHost.Pid).Kill();

        await Eventually.Until(() => Task.FromResult(children.All(pid => !IsAlive(pid))), TimeSpan.FromSeconds(30),
            "every child of the killed AppHost is gone");
    }

    [Fact]
    public async Task A_missing_binary_fails_at_once_with_one_line_naming_the_debian_package()
    {
        var emptyPath = RepositoryPaths.NewTemporaryFolder("empty-path");
        var state = RepositoryPaths.NewTemporaryFolder("missing-binary");
        await using var appHost = await AppHostProcess.StartAsync(RepositoryPaths.AppHostDll, state, [], new Dictionary<string, string?>(), path: emptyPath);

        var exitCode = await appHost.Exited.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        Assert.Equal(2, exitCode);
        var line = Assert.Single(appHost.Tail(10).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("redis-server", line);
        Assert.Contains("apt-get install redis-server", line);
        Assert.False(File.Exists(Path.Combine(state, "endpoints.json")));
    }

    private static async Task AssertEverythingHealthyAsync(JsonElement endpoints)
    {
        Assert.StartsWith("http://localhost:", endpoints.GetProperty("gateway").GetString());
        foreach (var resource in endpoints.GetProperty("resources").EnumerateArray())
        {
            // initdb ran once, before the server's first start.
            var expected = resource.GetProperty("name").GetString()!.EndsWith("-init", StringComparison.Ordinal) ? "Finished" : "Running";
            Assert.Equal(expected, resource.GetProperty("state").GetString());
        }

        using var http = new HttpClient();
        foreach (var service in new[] { "gateway", "order", "stock", "wallet", "coupon", "notification" })
        {
            var url = endpoints.GetProperty("services").GetProperty(service).GetString();
            using var health = await http.GetAsync($"{url}/health");
            Assert.True(health.IsSuccessStatusCode, $"{service} /health answered {health.StatusCode}");
            using var metrics = await http.GetAsync($"{url}/metrics");
            Assert.True(metrics.IsSuccessStatusCode, $"{service} /metrics answered {metrics.StatusCode}");
        }

        foreach (var name in new[] { "orderdb", "stockdb", "walletdb", "coupondb", "notificationdb", "redis", "rabbitmq" })
        {
            Assert.False(string.IsNullOrEmpty(endpoints.GetProperty("connectionStrings").GetProperty(name).GetString()));
        }

        Assert.False(string.IsNullOrEmpty(endpoints.GetProperty("auth").GetProperty("signingKey").GetString()));
    }

    private static async Task AssertRateLimitedAsync(JsonElement endpoints)
    {
        using var http = new HttpClient { BaseAddress = new Uri(endpoints.GetProperty("gateway").GetString()!) };
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 10 && limited is null; i++)
        {
            var response = await http.GetAsync("/api/ping");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) limited = response;
            else response.Dispose();
        }

        Assert.NotNull(limited);
        Assert.Equal(5, statuses.Count(status => status == HttpStatusCode.OK));
        Assert.True(limited!.Headers.RetryAfter?.Delta > TimeSpan.Zero, "429 carries Retry-After");
        limited.Dispose();
    }

    private static async Task WriteKeepsakeAsync(JsonElement endpoints)
    {
        await using var connection = new NpgsqlConnection(Postgres(endpoints));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("CREATE TABLE keepsake (note text); INSERT INTO keepsake VALUES ('still here');", connection);
        await command.ExecuteNonQueryAsync();

        await using var redis = await ConnectionMultiplexer.ConnectAsync(Redis(endpoints));
        await redis.GetDatabase().StringSetAsync("keepsake", "still here");
    }

    private static async Task<bool> KeepsakeExistsAsync(JsonElement endpoints)
    {
        await using var connection = new NpgsqlConnection(Postgres(endpoints));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT to_regclass('keepsake') IS NOT NULL", connection);
        var inPostgres = (bool)(await command.ExecuteScalarAsync())!;

        await using var redis = await ConnectionMultiplexer.ConnectAsync(Redis(endpoints));
        var inRedis = await redis.GetDatabase().KeyExistsAsync("keepsake");
        Assert.Equal(inPostgres, inRedis);
        return inPostgres;
    }

    private static string Postgres(JsonElement endpoints) =>
        new NpgsqlConnectionStringBuilder(endpoints.GetProperty("connectionStrings").GetProperty("postgres").GetString()) { Database = "postgres" }.ConnectionString;

    private static string Redis(JsonElement endpoints) => endpoints.GetProperty("connectionStrings").GetProperty("redis").GetString()!;

    private static List<int> ResourcePids(JsonElement endpoints) => endpoints.GetProperty("resources").EnumerateArray()
        .Where(resource => resource.TryGetProperty("pid", out _))
        .Select(resource => resource.GetProperty("pid").GetInt32())
        .ToList();

    private static List<int> ResourcePorts(JsonElement endpoints)
    {
        var ports = endpoints.GetProperty("services").EnumerateObject().Select(service => new Uri(service.Value.GetString()!).Port).ToList();
        ports.Add(new NpgsqlConnectionStringBuilder(endpoints.GetProperty("connectionStrings").GetProperty("postgres").GetString()).Port);
        ports.Add(new Uri(endpoints.GetProperty("connectionStrings").GetProperty("rabbitmq").GetString()!).Port);
        ports.Add(new Uri(endpoints.GetProperty("rabbitMqManagement").GetProperty("url").GetString()!).Port);
        ports.Add(int.Parse(Redis(endpoints).Split(',')[0].Split(':')[1], System.Globalization.CultureInfo.InvariantCulture));
        return ports;
    }

    private static void AssertNothingLeft(string state, List<int> processes, List<int> ports)
    {
        Assert.All(processes, pid => Assert.False(IsAlive(pid), $"process {pid} still runs"));
        Assert.All(ports, port => Assert.False(IsListening(port), $"port {port} still listens"));
        Assert.False(File.Exists(Path.Combine(state, "endpoints.json")), "endpoints.json removed");
        Assert.False(File.Exists(Path.Combine(state, "postgres", "data", "postmaster.pid")), "PostgreSQL's lock file removed");
        var leftovers = Directory.EnumerateDirectories("/proc")
            .Select(directory => Path.Combine(directory, "cmdline"))
            .Where(File.Exists)
            .Select(SafeRead)
            .Where(commandLine => commandLine.Contains(state, StringComparison.Ordinal))
            .ToList();
        Assert.Empty(leftovers);
    }

    private static string SafeRead(string path)
    {
        try
        {
            return File.ReadAllText(path).Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);

    private static bool IsListening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

[CollectionDefinition(nameof(AppHostLifecycle), DisableParallelization = true)]
public sealed class AppHostLifecycle;
