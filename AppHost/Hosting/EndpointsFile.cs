using System.Text.Json;
using System.Text.Json.Serialization;
using Commerce.AppHost.Hosting.Resources;

namespace Commerce.AppHost.Hosting;

/// <summary>
/// <c>.commerce/endpoints.json</c>: the running system's addresses, connection strings and development JWT settings,
/// for scripts, tests and load suites. Written when everything is healthy (again after a restart); removed on stop.
/// Holds development secrets, so it is readable by its owner only and lives in the ignored state folder.
/// </summary>
public sealed class EndpointsFile(string path, DistributedApplication application)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly object gate = new();

    public string Path { get; } = path;

    public void Write()
    {
        var resources = application.Resources;
        var context = application.Context!;
        var rabbitMq = resources.OfType<RabbitMqResource>().FirstOrDefault();
        var document = new
        {
            Gateway = resources.OfType<ProjectResource>().FirstOrDefault(p => p.IsGateway)?.HttpUrl,
            Dashboard = application.DashboardUrl,
            Prometheus = resources.OfType<PrometheusResource>().FirstOrDefault()?.Url,
            AppHostPid = Environment.ProcessId,
            StateDirectory = context.StateDirectory,
            Services = resources.OfType<ProjectResource>().ToDictionary(p => p.Name, p => p.HttpUrl),
            ConnectionStrings = resources.OfType<IResourceWithConnectionString>().ToDictionary(r => r.Name, r => r.ConnectionString),
            RabbitMqManagement = rabbitMq?.ManagementUrl is { } url
                ? new { Url = url, User = rabbitMq.ManagementUser, Password = rabbitMq.ManagementPassword, Prometheus = rabbitMq.PrometheusUrl }
                : null,
            Auth = new { Issuer = HostContext.JwtIssuer, Audience = HostContext.JwtAudience, SigningKey = context.JwtSigningKey },
            Resources = resources.Select(r => new
            {
                r.Name,
                r.Kind,
                State = r.State.ToString(),
                Url = r.DisplayUrl,
                Pid = r.ProcessId,
                r.Restarts,
                Log = r.IsExternal ? null : context.LogFor(r.Name).Path,
            }),
        };

        lock (gate)
        {
            var temporary = Path + ".tmp";
            File.WriteAllText(temporary, JsonSerializer.Serialize(document, Json));
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.Move(temporary, Path, overwrite: true);
        }
    }

    public void Delete()
    {
        lock (gate) File.Delete(Path);
    }
}
