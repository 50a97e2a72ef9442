using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using Commerce.AppHost.Resources;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Commerce.AppHost.Supervision;

/// <summary>
/// <c>.commerce/endpoints.json</c>: the running system's addresses, connection strings, development JWT settings and each
/// resource's state and process, for scripts, the tests, the load suites and people's tools. Written once everything is
/// healthy and again whenever that changes (a restart, a new process); removed on stop. Holds development secrets, so it
/// is readable by its owner only, in the ignored state folder. The console gets the same table at start.
/// </summary>
public sealed partial class EndpointsFile(
    DistributedApplicationModel model,
    ResourceNotificationService notifications,
    CommerceState state,
    ILogger<EndpointsFile> logger) : SupervisorService
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly ConcurrentDictionary<string, ResourceEvent> latest = new();
    private bool announced;

    public string Path => System.IO.Path.Combine(state.StateDirectory, "endpoints.json");

    private string? DashboardUrl => state.DashboardUrl;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        File.Delete(Path);
        if (DashboardUrl is { } dashboard) LogDashboard(dashboard);
        var written = "";
        try
        {
            await foreach (var update in notifications.WatchAsync(stoppingToken))
            {
                latest[update.ResourceId] = update;
                if (!latest.Values.All(Settled) || latest.Values.Count(Processes.IsProcess) < Processes.Instances(model)) continue;
                var document = await DocumentAsync(stoppingToken);
                var json = JsonSerializer.Serialize(document, Json);
                if (json == written) continue;
                Write(json);
                written = json;
                if (!announced)
                {
                    announced = true;
                    LogReady(document.Gateway ?? "(none)", DashboardUrl ?? "(off)", Path);
                }
            }
        }
        finally
        {
            File.Delete(Path);
        }
    }

    /// <summary>Every process: running and not unhealthy; what runs once: finished.</summary>
    private static bool Settled(ResourceEvent update) =>
        !Processes.IsProcess(update)
        || (Processes.RunsOnce(update.Resource)
            ? update.Snapshot.State?.Text is "Finished" or "Exited" && update.Snapshot.ExitCode is null or 0
            : update.Snapshot.State?.Text == KnownResourceStates.Running && update.Snapshot.HealthStatus is null or HealthStatus.Healthy);

    private async Task<EndpointsDocument> DocumentAsync(CancellationToken cancellationToken)
    {
        var projects = model.Resources.OfType<ProjectResource>().ToList();
        var connectionStrings = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var resource in model.Resources.OfType<IResourceWithConnectionString>())
        {
            if (await resource.GetConnectionStringAsync(cancellationToken) is { } value) connectionStrings[resource.Name] = value;
        }

        var broker = model.Resources.OfType<LocalRabbitMQResource>().FirstOrDefault();
        return new EndpointsDocument(
            Gateway: projects.FirstOrDefault(project => project.Name == "gateway")?.GetEndpoint("http").Url,
            Dashboard: DashboardUrl,
            Operations: projects.FirstOrDefault(project => project.Name == "operations")?.GetEndpoint("http").Url,
            Prometheus: model.Resources.OfType<LocalPrometheusResource>().FirstOrDefault()?.Endpoint.Url,
            AppHostPid: Environment.ProcessId,
            StateDirectory: state.StateDirectory,
            Services: projects.ToDictionary(project => project.Name, project => project.GetEndpoint("http").Url),
            ConnectionStrings: connectionStrings,
            RabbitMqManagement: broker is null ? null : new BrokerManagement(
                broker.Management.Url, LocalRabbitMQResource.UserName, broker.Password, broker.Prometheus.Url),
            Auth: state.Auth,
            Resources: [.. latest.Values
                .Where(Processes.IsProcess)
                .OrderBy(update => update.ResourceId, StringComparer.Ordinal)
                .Select(update => new ResourceEntry(
                    update.Resource.Name,
                    update.ResourceId,
                    update.Resource is ProjectResource ? "project" : update.Resource.GetType().Name.Replace("Resource", "", StringComparison.Ordinal),
                    update.Snapshot.State?.Text,
                    update.Snapshot.HealthStatus?.ToString(),
                    ProcessIds.Of(update),
                    update.Snapshot.Properties.FirstOrDefault(p => p.Name == RestartWhatDies.RestartsProperty)?.Value as int? ?? 0,
                    update.Snapshot.Urls.FirstOrDefault(url => !url.IsInternal)?.Url,
                    ResourceLogFiles.PathFor(state, update)))]);
    }

    private void Write(string json)
    {
        var temporary = Path + ".tmp";
        File.WriteAllText(temporary, json);
        File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        // A rename: a reader sees the old file or the new one, never half of one.
        File.Move(temporary, Path, overwrite: true);
    }

    [LoggerMessage(LogLevel.Information, "Aspire dashboard: {Dashboard}")]
    private partial void LogDashboard(string dashboard);

    [LoggerMessage(LogLevel.Information, "Everything is healthy. Gateway: {Gateway}  Dashboard: {Dashboard}  Endpoints: {Path}. Ctrl+C stops everything.")]
    private partial void LogReady(string gateway, string dashboard, string path);
}

public sealed record EndpointsDocument(
    string? Gateway,
    string? Dashboard,
    string? Operations,
    string? Prometheus,
    int AppHostPid,
    string StateDirectory,
    IReadOnlyDictionary<string, string> Services,
    IReadOnlyDictionary<string, string> ConnectionStrings,
    BrokerManagement? RabbitMqManagement,
    JwtSettings Auth,
    IReadOnlyList<ResourceEntry> Resources);

public sealed record BrokerManagement(string Url, string User, string Password, string Prometheus);

/// <summary>One running instance (a replica has its own): its process is the program itself, not a launcher.</summary>
public sealed record ResourceEntry(string Name, string Instance, string Kind, string? State, string? Health, int? Pid, int Restarts, string? Url, string Log);
