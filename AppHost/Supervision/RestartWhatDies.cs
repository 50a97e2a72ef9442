using System.Collections.Concurrent;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Commerce.AppHost.Supervision;

/// <summary>
/// Starts a resource again when its process dies (kill -9, a crash, an out-of-memory kill), as a supervisor would, and
/// restarts a service whose <c>/health</c> has failed for <see cref="UnhealthyFor"/> while it runs (a bus that cannot
/// recover, say). Aspire leaves a dead resource Exited until someone presses Start on the dashboard; this presses it,
/// through Aspire's own start and restart commands, and counts the restarts on the dashboard ("Restarts").
/// A resource stopped on purpose (the dashboard's Stop) passes through Stopping and is left alone.
/// </summary>
public sealed partial class RestartWhatDies(
    ResourceNotificationService notifications,
    ResourceCommandService commands,
    IHostApplicationLifetime lifetime,
    TimeProvider clock,
    ILogger<RestartWhatDies> logger) : SupervisorService
{
    /// <summary>Long enough that a broker or database restart never restarts the services that wait for it.</summary>
    public static readonly TimeSpan UnhealthyFor = TimeSpan.FromSeconds(90);

    public const string RestartsProperty = "commerce.restarts";

    private readonly ConcurrentDictionary<string, Instance> instances = new();

    private sealed class Instance
    {
        public string? State { get; set; }
        public DateTimeOffset? UnhealthySince { get; set; }
        public bool WasHealthy { get; set; }
        public int Restarts { get; set; }
        public bool Restarting { get; set; }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var update in notifications.WatchAsync(stoppingToken))
        {
            var instance = instances.GetOrAdd(update.ResourceId, _ => new Instance());
            var previous = instance.State;
            var state = update.Snapshot.State?.Text;
            instance.State = state;
            // Stopping: what ends now ends on purpose (PostgreSQL's fast shutdown comes before Aspire stops the rest).
            if (instance.Restarting || lifetime.ApplicationStopping.IsCancellationRequested
                || !Processes.IsProcess(update) || Processes.RunsOnce(update.Resource))
            {
                continue;
            }

            if (state != KnownResourceStates.Running) instance.WasHealthy = false;
            if (previous == KnownResourceStates.Running && state is not null && IsDead(state))
            {
                Restart(update, KnownResourceCommands.StartCommand, $"its process ended ({state})", stoppingToken);
            }
            else if (state == KnownResourceStates.Running && update.Resource is ProjectResource)
            {
                WatchHealth(update, instance, stoppingToken);
            }
        }
    }

    private static bool IsDead(string state) =>
        state == KnownResourceStates.Exited || state == KnownResourceStates.Finished || state == KnownResourceStates.FailedToStart;

    private void WatchHealth(ResourceEvent update, Instance instance, CancellationToken stoppingToken)
    {
        if (update.Snapshot.HealthStatus != HealthStatus.Unhealthy)
        {
            instance.WasHealthy |= update.Snapshot.HealthStatus == HealthStatus.Healthy;
            instance.UnhealthySince = null;
            return;
        }

        // Only a service that was healthy and turned unhealthy: one still starting on a busy machine (thirteen
        // services starting at once on two cores took more than 90 s) would otherwise be restarted in a loop.
        if (!instance.WasHealthy) return;

        instance.UnhealthySince ??= clock.GetUtcNow();
        if (clock.GetUtcNow() - instance.UnhealthySince >= UnhealthyFor)
        {
            instance.UnhealthySince = null;
            Restart(update, KnownResourceCommands.RestartCommand, $"its /health failed for {UnhealthyFor.TotalSeconds:F0} s", stoppingToken);
        }
    }

    private void Restart(ResourceEvent update, string command, string why, CancellationToken stoppingToken)
    {
        var instance = instances[update.ResourceId];
        instance.Restarting = true;
        instance.Restarts++;
        LogRestarting(update.ResourceId, why, instance.Restarts);
        _ = Task.Run(async () =>
        {
            try
            {
                await notifications.PublishUpdateAsync(update.Resource, update.ResourceId, snapshot => snapshot with
                {
                    Properties = [.. snapshot.Properties.Where(property => property.Name != RestartsProperty),
                        new ResourcePropertySnapshot(RestartsProperty, instance.Restarts) { DisplayName = "Restarts" }],
                });
                var result = await commands.ExecuteCommandAsync(update.ResourceId, command, stoppingToken);
                if (!result.Success) LogRestartFailed(update.ResourceId, result.Message);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                LogRestartFailed(update.ResourceId, exception.Message);
            }
            finally
            {
                instance.Restarting = false;
            }
        }, stoppingToken);
    }

    [LoggerMessage(LogLevel.Warning, "{Resource}: restarting, {Why} (restarts: {Restarts})")]
    private partial void LogRestarting(string resource, string why, int restarts);

    [LoggerMessage(LogLevel.Error, "{Resource} could not be restarted: {Error}")]
    private partial void LogRestartFailed(string resource, string? error);
}
