using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;

namespace Commerce.AppHost.Supervision;

/// <summary>
/// Each resource's console output also goes to <c>.commerce/logs/&lt;resource&gt;.log</c> (a replica's to its instance's
/// name; the dashboard's own to <c>aspire-dashboard.log</c>): the Aspire dashboard shows it live, the file keeps it for
/// grep, CI artifacts and a run that already stopped.
/// </summary>
public sealed partial class ResourceLogFiles(ResourceNotificationService notifications, ResourceLoggerService logs, CommerceState state) : SupervisorService
{
    private readonly ConcurrentDictionary<string, Task> following = new();

    public static string PathFor(CommerceState state, ResourceEvent update)
    {
        var replicas = update.Resource.TryGetLastAnnotation<ReplicaAnnotation>(out var annotation) ? annotation.Replicas : 1;
        return Path.Combine(state.LogDirectory, (replicas > 1 ? update.ResourceId : update.Resource.Name) + ".log");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var update in notifications.WatchAsync(stoppingToken))
        {
            // The Aspire dashboard's own log too: when its resources page stays empty, the reason (it could not reach
            // the AppHost's resource service) is written only there.
            if (Processes.IsProcess(update) || update.Resource.Name == Processes.AspireDashboard)
            {
                _ = following.GetOrAdd(update.ResourceId, _ => FollowAsync(update, stoppingToken));
            }
        }
    }

    private async Task FollowAsync(ResourceEvent update, CancellationToken stoppingToken)
    {
        await using var file = new StreamWriter(PathFor(state, update), append: true) { AutoFlush = true };
        try
        {
            await foreach (var batch in logs.WatchAsync(update.ResourceId).WithCancellation(stoppingToken))
            {
                foreach (var line in batch) await file.WriteLineAsync(AnsiEscapes().Replace(line.Content, ""));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    // The dashboard renders the services' colours; a file for grep is better without them.
    [System.Text.RegularExpressions.GeneratedRegex("\\x1b\\[[0-9;]*m")]
    private static partial System.Text.RegularExpressions.Regex AnsiEscapes();
}
