using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Commerce.AppHost.Hosting.Resources;

/// <summary>
/// Prometheus from the machine's binary, scraping every service, RabbitMQ's prometheus plugin and itself on loopback
/// every 2 s, evaluating the repository's alert rules (<c>observability/rules</c>), data under the state folder.
/// Optional: declared only where <c>prometheus</c> is installed; without it the dashboard reads /metrics itself.
/// </summary>
public sealed class PrometheusResource(string name, IReadOnlyList<Resource> scraped) : Resource(name)
{
    public static readonly RequiredBinary Server = new("prometheus", "prometheus");

    /// <summary>Extra rule files (paths or globs, ':'-separated), e.g. a drill's always-firing alert.</summary>
    public const string ExtraRulesVariable = "COMMERCE_EXTRA_RULES";

    private int port;
    private ChildProcess? process;

    public override string Kind => "prometheus";
    public override IEnumerable<RequiredBinary> RequiredBinaries => [Server];
    public string Url => $"http://127.0.0.1:{port}";
    public override string? DisplayUrl => Url;
    public override int? ProcessId => process?.Pid;
    public override Task Exited => process?.Exited ?? base.Exited;

    public static bool IsInstalled => Binaries.Locate(Server) is not null;

    public override Task PrepareAsync(HostContext context, CancellationToken cancellationToken)
    {
        port = HostContext.FreeLoopbackPort();
        return Task.CompletedTask;
    }

    public override async Task StartAsync(HostContext context, CancellationToken cancellationToken)
    {
        var root = Path.Combine(context.StateDirectory, "prometheus");
        var data = Path.Combine(root, "data");
        Directory.CreateDirectory(data);
        // Written at every start: the ports it scrapes are new every time.
        var config = Path.Combine(root, "prometheus.yml");
        await File.WriteAllTextAsync(config, Configuration(context), cancellationToken);
        process = await ChildProcess.StartAsync(new ProcessSpec(Binaries.Require(Server),
        [
            "--config.file=" + config,
            "--storage.tsdb.path=" + data,
            // Enough for the trailing-hour baseline and yesterday's lunch; a development machine's disk is not a TSDB's.
            "--storage.tsdb.retention.time=2d",
            "--storage.tsdb.retention.size=1GB",
            "--web.listen-address=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
            "--web.enable-lifecycle",
            "--log.level=warn",
        ])
        { WorkingDirectory = root }, context.LogFor(Name));
    }

    private string Configuration(HostContext context)
    {
        var ruleFiles = new List<string> { Path.Combine(context.RepositoryRoot, "observability", "rules", "*.yml") };
        // Prometheus reads relative rule paths from its config's folder; the person meant the folder they ran from.
        ruleFiles.AddRange((context.Configuration[ExtraRulesVariable] ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Select(Path.GetFullPath));

        var yaml = new StringBuilder();
        yaml.AppendLine("# Written by the AppHost at every start (ports change): change PrometheusResource, not this file.");
        yaml.AppendLine("global:");
        yaml.AppendLine("  scrape_interval: 2s");
        yaml.AppendLine("  scrape_timeout: 2s");
        yaml.AppendLine("  evaluation_interval: 2s");
        yaml.AppendLine("rule_files:");
        foreach (var file in ruleFiles) yaml.AppendLine($"  - {Quote(file)}");
        yaml.AppendLine("scrape_configs:");
        foreach (var project in scraped.OfType<ProjectResource>())
        {
            Job(yaml, project.Name, project.HttpUrl, "/metrics");
        }

        foreach (var rabbitMq in scraped.OfType<RabbitMqResource>().Where(r => r.PrometheusUrl is not null))
        {
            Job(yaml, rabbitMq.Name, rabbitMq.PrometheusUrl!, "/metrics");
            // Queue depths per queue; the aggregated endpoint above sums them over the node.
            Job(yaml, rabbitMq.Name + "-queues", rabbitMq.PrometheusUrl!, "/metrics/detailed");
            yaml.AppendLine("    params:");
            yaml.AppendLine("      family: [queue_coarse_metrics]");
        }

        Job(yaml, Name, Url, "/metrics");
        return yaml.ToString();
    }

    private static void Job(StringBuilder yaml, string job, string url, string path)
    {
        yaml.AppendLine($"  - job_name: {Quote(job)}");
        yaml.AppendLine($"    metrics_path: {Quote(path)}");
        yaml.AppendLine("    static_configs:");
        yaml.AppendLine($"      - targets: [{Quote(new Uri(url).Authority)}]");
    }

    // A JSON string is a valid YAML double-quoted scalar: paths with spaces or colons stay one value.
    private static string Quote(string value) => JsonSerializer.Serialize(value);

    public override Task<bool> IsHealthyAsync(CancellationToken cancellationToken) => HttpProbe.IsOkAsync($"{Url}/-/ready", cancellationToken);

    public override Task StopAsync() => process?.StopAsync(ChildProcess.SigTerm, TimeSpan.FromSeconds(10)) ?? Task.CompletedTask;
}
