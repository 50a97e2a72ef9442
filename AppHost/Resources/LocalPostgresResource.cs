using System.Globalization;
using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Commerce.AppHost.Resources;

/// <summary>
/// PostgreSQL from the machine's Debian binaries, because Aspire's PostgreSQL is a container and this machine has no
/// container engine: run as the <c>postgres</c> account (it refuses root), TCP on loopback only, data under the state folder.
/// </summary>
public sealed class LocalPostgresResource(string name, string command, string password)
    : ExecutableResource(name, command, workingDirectory: "/"), IResourceWithConnectionString
{
    public const string UserName = "commerce";

    public EndpointReference Endpoint => new(this, "tcp");

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host=127.0.0.1;Port={Endpoint.Property(EndpointProperty.TargetPort)};Username={UserName};Password={password}");
}

/// <summary>
/// A PostgreSQL server and the databases on it, whatever runs it: this machine's binaries (running), an existing server
/// (<c>--postgres</c> or <c>ConnectionStrings__postgres</c>), or Aspire's container (publishing a manifest).
/// </summary>
public sealed class PostgresServer(IResourceBuilder<IResourceWithConnectionString> server, Func<string, IResourceBuilder<IResourceWithConnectionString>> addDatabase)
{
    public IResourceBuilder<IResourceWithConnectionString> Server { get; } = server;

    /// <summary>A service's own database; its migrations create it on first start.</summary>
    public IResourceBuilder<IResourceWithConnectionString> AddDatabase(string name) => addDatabase(name);
}

public static class LocalPostgresExtensions
{
    /// <summary>
    /// Room for every service's bounded pool (Database__MaxPoolSize each) with spare for restarts and psql;
    /// <c>Postgres__MaxConnections</c> raises it where several systems share one server, as the tests do.
    /// </summary>
    private const int DefaultMaxConnections = 500;

    /// <summary>
    /// PostgreSQL under Aspire's name. (This one-argument overload is chosen over Aspire.Hosting.PostgreSQL's, whose extra
    /// parameters are optional; that one is called below when publishing.)
    /// </summary>
    public static PostgresServer AddPostgres(this IDistributedApplicationBuilder builder, string name)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            var container = PostgresBuilderExtensions.AddPostgres(builder, name).WithDataVolume();
            return new PostgresServer(container, database => container.AddDatabase(database));
        }

        var server = builder.Configuration.GetConnectionString(name) is not null
            ? builder.AddConnectionString(name)
            : builder.AddLocalPostgres(name);
        return new PostgresServer(server, database => builder.Configuration.GetConnectionString(database) is not null
            ? builder.AddConnectionString(database)
            : builder.AddConnectionString(database, ReferenceExpression.Create($"{server.Resource.ConnectionStringExpression};Database={database}")));
    }

    private static IResourceBuilder<IResourceWithConnectionString> AddLocalPostgres(this IDistributedApplicationBuilder builder, string name)
    {
        var state = CommerceState.Of(builder);
        var postgres = DebianPrograms.Require("postgres", "postgresql", DebianPrograms.PostgresBinaries);
        var initdb = DebianPrograms.Require("initdb", "postgresql", DebianPrograms.PostgresBinaries);
        var account = ServiceAccount.Of("postgres");
        var root = account.OwnedDirectory(state.DataDirectory(name));
        var data = Path.Combine(root, "data");
        var maxConnections = builder.Configuration.GetValue("Postgres:MaxConnections", DefaultMaxConnections);
        var trackStatements = builder.Configuration.GetValue("Postgres:TrackStatements", false);

        var resource = new LocalPostgresResource(name, account.CommandFor(postgres), state.Secrets.PostgresPassword);
        var server = builder.AddResource(resource)
            .WithEndpoint(name: "tcp", scheme: "tcp", isProxied: false)
            .WithArgs(context =>
            {
                foreach (var argument in account.ArgumentsFor(postgres)) context.Args.Add(argument);
                context.Args.Add("-D");
                context.Args.Add(data);
                context.Args.Add("-p");
                context.Args.Add(resource.Endpoint.Property(EndpointProperty.TargetPort));
                foreach (var setting in new[]
                {
                    "listen_addresses=127.0.0.1",
                    // No Unix socket: nothing is left in /var/run, and two servers never share one.
                    "unix_socket_directories=",
                    $"max_connections={maxConnections.ToString(CultureInfo.InvariantCulture)}",
                    "log_line_prefix=%m ",
                })
                {
                    context.Args.Add("-c");
                    context.Args.Add(setting);
                }

                if (trackStatements)
                {
                    // Per-statement calls and times for profiling (CREATE EXTENSION pg_stat_statements in a database to read
                    // them). Opt-in: it is a profiler's tool, and every statement of a rush pays for its bookkeeping.
                    context.Args.Add("-c");
                    context.Args.Add("shared_preload_libraries=pg_stat_statements");
                }
            })
            .WithHealthCheck(AddConnectionCheck(builder, resource))
            .WithIconName("Database");
        builder.Services.AddSingleton<IHostedService>(new FastShutdownOnStop(data));

        if (!File.Exists(Path.Combine(data, "PG_VERSION")))
        {
            // initdb runs once, to completion, before the server's first start.
            var passwordFile = account.OwnedFile(Path.Combine(root, "initdb-password"), state.Secrets.PostgresPassword);
            var init = builder.AddExecutable($"{name}-init", account.CommandFor(initdb), "/")
                .WithArgs(context =>
                {
                    foreach (var argument in account.ArgumentsFor(initdb).Concat(["-D", data, "-U", LocalPostgresResource.UserName, "--pwfile", passwordFile,
                        "--auth", "scram-sha-256", "-E", "UTF8", "--locale", "C", "--no-sync"]))
                    {
                        context.Args.Add(argument);
                    }
                })
                .WithParentRelationship(server);
            server.WaitForCompletion(init);
        }

        return server;
    }

    private static string AddConnectionCheck(IDistributedApplicationBuilder builder, LocalPostgresResource resource)
    {
        var key = $"{resource.Name}-accepts-connections";
        builder.Services.AddHealthChecks().AddAsyncCheck(key, async cancellationToken =>
        {
            var settings = new NpgsqlConnectionStringBuilder(await resource.ConnectionStringExpression.GetValueAsync(cancellationToken))
            {
                Database = "postgres",
                Timeout = 3,
                Pooling = false,
            };
            try
            {
                await using var connection = new NpgsqlConnection(settings.ConnectionString);
                await connection.OpenAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy(exception.Message);
            }
        });
        return key;
    }

    /// <summary>
    /// Stops the server with a fast shutdown (SIGINT) as the AppHost stops. DCP stops it with SIGTERM, which PostgreSQL
    /// takes as a smart shutdown: it waits for every client to leave, and the services were still connected, so DCP killed
    /// it and its lock file (postmaster.pid) stayed behind. The lock file's first line is the server's process id.
    /// </summary>
    private sealed class FastShutdownOnStop(string data) : IHostedLifecycleService
    {
        private static readonly TimeSpan Budget = TimeSpan.FromSeconds(10);

        public async Task StoppingAsync(CancellationToken cancellationToken)
        {
            var lockFile = Path.Combine(data, "postmaster.pid");
            if (!File.Exists(lockFile) || !int.TryParse(File.ReadLines(lockFile).FirstOrDefault(), out var postmaster)) return;
            using (var kill = Process.Start("/bin/kill", ["-INT", postmaster.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync(CancellationToken.None);
                if (kill.ExitCode != 0) return;
            }

            var deadline = DateTime.UtcNow + Budget;
            while (File.Exists(lockFile) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, CancellationToken.None);
            }
        }

        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
