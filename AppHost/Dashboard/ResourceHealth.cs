using System.Collections.Concurrent;
using Commerce.AppHost.Hosting;

namespace Commerce.AppHost.Dashboard;

/// <summary>
/// Asks every running resource its health every few seconds while someone watches (the same check the AppHost starts
/// it with), so the page shows a service that runs but cannot reach its database as running and unhealthy.
/// </summary>
public sealed class ResourceHealth(IReadOnlyList<Resource> resources, Viewers viewers)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan ProbeLifetime = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<Resource, (bool Healthy, DateTimeOffset At)> probes = new();

    /// <summary>"healthy" or "unhealthy" for a running resource; null while it is not running.</summary>
    public string? Of(Resource resource)
    {
        if (resource.State != ResourceState.Running) return null;
        // Running means the AppHost's own check passed; a probe from before the last start, or an old one, says nothing.
        var failing = probes.TryGetValue(resource, out var probe) && !probe.Healthy
            && probe.At >= resource.StartedAt && DateTimeOffset.UtcNow - probe.At < ProbeLifetime;
        return failing ? "unhealthy" : "healthy";
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                if (!viewers.Watching) continue;
                await Task.WhenAll(resources.Where(r => r.State == ResourceState.Running).Select(r => ProbeAsync(r, cancellationToken)));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task ProbeAsync(Resource resource, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        bool healthy;
        try
        {
            healthy = await resource.IsHealthyAsync(timeout.Token);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // A check that throws or hangs is an unhealthy resource, whatever the exception; at shutdown, nothing.
            if (cancellationToken.IsCancellationRequested) return;
            healthy = false;
        }

        probes[resource] = (healthy, DateTimeOffset.UtcNow);
    }
}
