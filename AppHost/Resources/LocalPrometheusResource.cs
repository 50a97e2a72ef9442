using Commerce.AppHost.Supervision;
using Microsoft.Extensions.DependencyInjection;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Commerce.AppHost.Resources;

/// <summary>
/// Prometheus from the machine's Debian binary: scrapes every service and RabbitMQ on loopback every 2 s and evaluates
/// the repository's alert rules (<c>observability/rules</c>), data under the state folder. Running only: a deployment
/// brings its own monitoring, so it is left out of the manifest.
/// </summary>
public sealed class LocalPrometheusResource(string name, string command) : ExecutableResource(name, command, workingDirectory: "/"), IResourceWithServiceDiscovery
{
    /// <summary>Extra rule files (paths, ':'-separated), e.g. a drill's always-firing alert.</summary>
    public const string ExtraRulesVariable = "COMMERCE_EXTRA_RULES";

    public EndpointReference Endpoint => new(this, "http");

    /// <summary>Where it sends its alerts, once the AppHost has an Alertmanager.</summary>
    internal EndpointReference? Alertmanager { get; set; }

    /// <summary>What it scrapes: a job name, the endpoint, and the path of its metrics.</summary>
    internal List<(string Job, EndpointReference Endpoint, string Path, string? Family)> Targets { get; } = [];
}

public static class PrometheusExtensions
{
    public static IResourceBuilder<LocalPrometheusResource> AddPrometheus(this IDistributedApplicationBuilder builder, string name)
    {
        var state = CommerceState.Of(builder);
        var resource = new LocalPrometheusResource(name, state.IsRunning ? DebianPrograms.Require("prometheus", "prometheus") : "prometheus");
        var root = state.DataDirectory(name);
        var config = Path.Combine(root, "prometheus.yml");
        var targets = Path.Combine(root, "targets");
        builder.Services.AddSingleton(new PrometheusTargetFiles.Folder(targets));
        builder.Services.AddHostedService<PrometheusTargetFiles>();
        var rules = new List<string> { Path.Combine(state.RepositoryRoot, "observability", "rules", "*.yml") };
        // Prometheus reads relative rule paths from its config's folder; the person meant the folder they ran from.
        rules.AddRange((builder.Configuration[LocalPrometheusResource.ExtraRulesVariable] ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries).Select(Path.GetFullPath));

        return builder.AddResource(resource)
            .WithHttpEndpoint(name: "http", isProxied: false)
            .WithArgs(context =>
            {
                context.Args.Add("--config.file=" + config);
                context.Args.Add("--storage.tsdb.path=" + Path.Combine(root, "data"));
                // Enough for the trailing-hour baseline and yesterday's lunch; a development machine's disk is not a TSDB's.
                context.Args.Add("--storage.tsdb.retention.time=2d");
                context.Args.Add("--storage.tsdb.retention.size=1GB");
                context.Args.Add(ReferenceExpression.Create($"--web.listen-address=127.0.0.1:{resource.Endpoint.Property(EndpointProperty.TargetPort)}"));
                context.Args.Add("--web.enable-lifecycle");
                context.Args.Add("--log.level=warn");
            })
            .OnBeforeResourceStarted(async (prometheus, _, cancellationToken) =>
            {
                Directory.CreateDirectory(Path.Combine(root, "data"));
                Directory.CreateDirectory(targets);
                // Written at every start: the ports it scrapes are new every time.
                await File.WriteAllTextAsync(config, await ConfigurationAsync(prometheus, rules, targets, cancellationToken), cancellationToken);
            })
            .WithHttpHealthCheck("/-/ready")
            .WithIconName("DataArea")
            .ExcludeFromManifest();
    }

    /// <summary>Sends the alerts to <paramref name="alertmanager"/>, which routes them to people.</summary>
    public static IResourceBuilder<LocalPrometheusResource> WithAlertmanager(
        this IResourceBuilder<LocalPrometheusResource> prometheus, IResourceBuilder<LocalAlertmanagerResource> alertmanager)
    {
        prometheus.Resource.Alertmanager = alertmanager.Resource.Endpoint;
        return prometheus.WaitFor(alertmanager);
    }

    /// <summary>Scrapes each project's <c>/metrics</c>, or a RabbitMQ's prometheus plugin (per node and per queue).</summary>
    public static IResourceBuilder<LocalPrometheusResource> WithScrapeTargets(this IResourceBuilder<LocalPrometheusResource> prometheus, params IResourceBuilder<IResource>[] targets)
    {
        foreach (var target in targets.Select(target => target.Resource))
        {
            if (target is LocalRabbitMQResource broker)
            {
                prometheus.Resource.Targets.Add((broker.Name, broker.Prometheus, "/metrics", null));
                prometheus.Resource.Targets.Add((broker.Name + "-queues", broker.Prometheus, "/metrics/detailed", "queue_coarse_metrics"));
            }
            else if (target is IResourceWithEndpoints withEndpoints && !(target is IResourceWithConnectionString))
            {
                prometheus.Resource.Targets.Add((target.Name, withEndpoints.GetEndpoint("http"), "/metrics", null));
            }

            if (target is IResourceWithWaitSupport) prometheus.WaitFor(prometheus.ApplicationBuilder.CreateResourceBuilder(target));
        }

        return prometheus;
    }

    private static async Task<string> ConfigurationAsync(LocalPrometheusResource prometheus, IEnumerable<string> rules, string targets, CancellationToken cancellationToken)
    {
        var yaml = new StringBuilder();
        yaml.AppendLine("# Written by the AppHost at every start (ports change): change LocalPrometheusResource, not this file.");
        yaml.AppendLine("global:");
        yaml.AppendLine("  scrape_interval: 2s");
        yaml.AppendLine("  scrape_timeout: 2s");
        yaml.AppendLine("  evaluation_interval: 2s");
        if (prometheus.Alertmanager is { } alertmanager)
        {
            var alertmanagerPort = await alertmanager.Property(EndpointProperty.Port).GetValueAsync(cancellationToken);
            yaml.AppendLine("alerting:");
            yaml.AppendLine("  alertmanagers:");
            yaml.AppendLine("    - static_configs:");
            yaml.AppendLine($"        - targets: [{Quote($"127.0.0.1:{alertmanagerPort}")}]");
        }

        yaml.AppendLine("rule_files:");
        foreach (var file in rules) yaml.AppendLine($"  - {Quote(file)}");
        yaml.AppendLine("scrape_configs:");
        foreach (var (job, endpoint, path, family) in prometheus.Targets.Append((prometheus.Name, prometheus.Endpoint, "/metrics", null)))
        {
            yaml.AppendLine($"  - job_name: {Quote(job)}");
            yaml.AppendLine($"    metrics_path: {Quote(path)}");
            if (family is not null)
            {
                yaml.AppendLine("    params:");
                yaml.AppendLine($"      family: [{Quote(family)}]");
            }

            if (endpoint.Resource is ProjectResource)
            {
                // Every copy on its own: through the endpoint's proxy each scrape would reach whichever copy it balanced
                // to, and counters from two processes under one series read as resets. PrometheusTargetFiles keeps the file.
                var file = PrometheusTargetFiles.PathFor(targets, job);
                if (!File.Exists(file)) await File.WriteAllTextAsync(file, "[]", cancellationToken);
                yaml.AppendLine("    file_sd_configs:");
                yaml.AppendLine($"      - files: [{Quote(file)}]");
                yaml.AppendLine("        refresh_interval: 5s");
                continue;
            }

            var port = await endpoint.Property(EndpointProperty.Port).GetValueAsync(cancellationToken);
            yaml.AppendLine("    static_configs:");
            yaml.AppendLine($"      - targets: [{Quote($"127.0.0.1:{port}")}]");
        }

        return yaml.ToString();
    }

    // A JSON string is a valid YAML double-quoted scalar: paths with spaces or colons stay one value.
    private static string Quote(string value) => JsonSerializer.Serialize(value);
}
