using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using System.Diagnostics;
using Npgsql;

namespace Commerce.ServiceDefaults.Data;

public static class NpgsqlRegistration
{
    /// <summary>Per service: far more than two cores keep busy, and five of them fit PostgreSQL's 500 (AppHost).</summary>
    public const int DefaultMaxPoolSize = 40;

    /// <summary>Each service runs a few dozen distinct statements; Npgsql prepares one after five uses.</summary>
    private const int AutoPreparedStatements = 50;

    /// <summary>
    /// The service's database from <c>ConnectionStrings__{name}</c>, through Aspire's client integrations: one
    /// <see cref="NpgsqlDataSource"/> (Aspire.Npgsql: hand-written SQL, with its tracing and metrics) shared by a pooled EF
    /// Core context (enriched by Aspire.Npgsql.EntityFrameworkCore.PostgreSQL), a health check on connections of its own,
    /// and migrations applied at start before anything else runs. Call it before registering messaging, so consumers never
    /// see an old schema.
    /// </summary>
    /// <remarks>
    /// Two of Aspire's defaults are off, each for a reason: EF Core's retrying execution strategy refuses the explicit
    /// transactions the ledgers and the saga use (a read that lost its connection is retried by
    /// <see cref="ReadRetryOnLostConnection"/> instead), and Aspire's health check takes its connection from the service's
    /// own pool, which a rush keeps busy by design: it made a healthy Order flicker unhealthy (see <see cref="ProbeDataSource"/>).
    /// </remarks>
    public static IHostApplicationBuilder AddServiceDatabase<TContext>(this IHostApplicationBuilder builder, string connectionName)
        where TContext : DbContext
    {
        var connectionString = builder.Configuration.GetConnectionString(connectionName)
            ?? throw new InvalidOperationException($"ConnectionStrings:{connectionName} is not configured.");

        builder.AddNpgsqlDataSource(connectionName, settings => settings.DisableHealthChecks = true, dataSource =>
        {
            dataSource.Name = connectionName;
            // Npgsql's default of 100 per pool lets five services ask one server for more than its max_connections under a
            // rush, and PostgreSQL then refuses ("too many clients"). A bounded pool makes the excess wait for a connection
            // instead; a connection string that names its own pool size keeps it.
            var settings = dataSource.ConnectionStringBuilder;
            if (!NamesMaxPoolSize(connectionString))
            {
                settings.MaxPoolSize = builder.Configuration.GetValue("Database:MaxPoolSize", DefaultMaxPoolSize);
            }

            // A lunch-rush profile had PostgreSQL spend its time parsing and planning the same few statements and
            // resetting each pooled connection (DISCARD ALL). Our services keep no session state (no SET, no session
            // advisory locks), so the reset is skipped; statements used often are prepared once per connection.
            settings.NoResetOnClose = true;
            if (settings.MaxAutoPrepare == 0) settings.MaxAutoPrepare = AutoPreparedStatements;
            // A span only for a query that is part of something (a request, a message): the pollers' queries every 50 ms
            // (pending orders, timeouts, the outbox) would otherwise be a trace each, burying the orders on the dashboard.
            dataSource.ConfigureTracing(tracing => tracing
                .ConfigureCommandFilter(_ => Activity.Current is not null)
                .ConfigureBatchFilter(_ => Activity.Current is not null));
        });
        builder.Services.AddDbContextPool<TContext>((services, options) => options.UseNpgsql(services.GetRequiredService<NpgsqlDataSource>()));
        builder.EnrichNpgsqlDbContext<TContext>(settings =>
        {
            settings.DisableRetry = true;
            settings.DisableHealthChecks = true;
        });

        var healthCheck = new NpgsqlHealthCheck(ProbeDataSource(connectionString, connectionName));
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            connectionName, _ => healthCheck, HealthStatus.Unhealthy, ["ready", "postgres"], ProbeTimeout));
        builder.Services.AddHostedService<MigrateOnStart<TContext>>();
        return builder;
    }

    /// <summary>How long a health probe may take before it counts as a failure (it answers in milliseconds when all is well).</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The health check's own two connections. Under a rush the service's pool is busy by design (requests wait for a
    /// connection); a probe that waited in that queue read as "not ready" and made Order flicker unhealthy on the
    /// dashboard while it served every order. Readiness asks whether the database answers, not whether the pool is free.
    /// </summary>
    private static NpgsqlDataSource ProbeDataSource(string connectionString, string connectionName) =>
        new NpgsqlDataSourceBuilder(connectionString)
        {
            Name = connectionName + "-health",
            ConnectionStringBuilder = { MaxPoolSize = 2, Timeout = (int)ProbeTimeout.TotalSeconds },
        }.Build();

    /// <summary>"Maximum Pool Size", "Max Pool Size" or "MaxPoolSize", as Npgsql accepts them (not "Minimum Pool Size").</summary>
    private static bool NamesMaxPoolSize(string connectionString)
    {
        var compact = connectionString.Replace(" ", "", StringComparison.Ordinal);
        return compact.Contains("MaxPoolSize=", StringComparison.OrdinalIgnoreCase)
            || compact.Contains("MaximumPoolSize=", StringComparison.OrdinalIgnoreCase);
    }

    private sealed class NpgsqlHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await using var command = dataSource.CreateCommand("SELECT 1");
                await command.ExecuteScalarAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                return HealthCheckResult.Unhealthy("PostgreSQL is not reachable.", exception);
            }
        }
    }

    /// <summary>Applies pending EF Core migrations before any other hosted service starts (StartingAsync).</summary>
    private sealed class MigrateOnStart<TContext>(IServiceProvider services, ILogger<MigrateOnStart<TContext>> logger)
        : IHostedLifecycleService where TContext : DbContext
    {
        public async Task StartingAsync(CancellationToken cancellationToken)
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<TContext>();
            // The database server may still be coming up when a whole system starts at once.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await db.Database.MigrateAsync(cancellationToken);
                    logger.LogInformation("{Context} schema is up to date", typeof(TContext).Name);
                    return;
                }
                catch (NpgsqlException exception) when (attempt < 30 && exception.IsTransient)
                {
                    logger.LogWarning("Database not reachable yet ({Message}); retrying", exception.Message);
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                }
                catch (PostgresException exception) when (attempt < 30 && CreatedByAnotherReplica(exception))
                {
                    // Replicas start together: two may create the database or the history table at the same moment.
                    // EF Core locks the history table only once it exists, and that lock did not keep three Order copies
                    // on a fresh database apart either: one added a column another had just added (42701) and exited.
                    // The next attempt finds the other's work done.
                    logger.LogInformation("Another replica is creating the schema ({Message}); trying again", exception.MessageText);
                    await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken);
                }
            }
        }

        private static bool CreatedByAnotherReplica(PostgresException exception) =>
            exception.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.DuplicateTable
                or PostgresErrorCodes.DuplicateColumn or PostgresErrorCodes.DuplicateObject or PostgresErrorCodes.UniqueViolation;

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
