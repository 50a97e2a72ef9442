using System.Collections.Concurrent;
using System.Text.Json;

namespace Commerce.AppHost.Supervision;

/// <summary>
/// Keeps one Prometheus file_sd target file per service (<c>prometheus/targets/&lt;service&gt;.json</c>) listing the port of
/// every copy that runs, so Prometheus scrapes each replica on its own and sees a restarted copy's new port within seconds.
/// Aspire gives replicas one proxied address; each copy's own port is in the <c>ASPNETCORE_URLS</c> it was started with.
/// </summary>
public sealed class PrometheusTargetFiles(ResourceNotificationService notifications, PrometheusTargetFiles.Folder folder) : SupervisorService
{
    public sealed record Folder(string Path);

    private readonly ConcurrentDictionary<string, (string Job, int? Port)> instances = new();
    private readonly Dictionary<string, string> written = new(StringComparer.Ordinal);

    public static string PathFor(string folder, string job) => Path.Combine(folder, job + ".json");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var update in notifications.WatchAsync(stoppingToken))
        {
            if (update.Resource is not ProjectResource) continue;
            var running = update.Snapshot.State?.Text == KnownResourceStates.Running;
            instances[update.ResourceId] = (update.Resource.Name, running ? ProcessIds.OwnUrl(update)?.Port : null);
            var ports = instances.Values.Where(instance => instance.Job == update.Resource.Name && instance.Port is not null)
                .Select(instance => $"127.0.0.1:{instance.Port}").Order(StringComparer.Ordinal).ToList();
            var json = JsonSerializer.Serialize(new[] { new { targets = ports } });
            if (written.GetValueOrDefault(update.Resource.Name) == json) continue;
            Write(PathFor(folder.Path, update.Resource.Name), json);
            written[update.Resource.Name] = json;
        }
    }

    private static void Write(string path, string json)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, json);
        // A rename: Prometheus reads the old list or the new one, never half of one.
        File.Move(temporary, path, overwrite: true);
    }
}
