using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Commerce.AppHost.Resources;

/// <summary>
/// Alertmanager from the machine's Debian binary (<c>prometheus-alertmanager</c>): Prometheus sends it the alerts, it
/// groups them (one incident, one notification) and routes them by severity, as the incident report's plan asked:
/// critical to the pager and Slack, warning to Slack. Both receivers are Slack-compatible webhook URLs set by
/// configuration (<c>Alerting__SlackWebhookUrl</c>, <c>Alerting__PagerWebhookUrl</c>); every notification also goes to the
/// operations page, which lists what was sent, and is the only receiver on a laptop with no URL set. Running only,
/// like Prometheus: a deployment brings its own.
/// </summary>
public sealed class LocalAlertmanagerResource(string name, string command) : ExecutableResource(name, command, workingDirectory: "/"), IResourceWithServiceDiscovery
{
    public const string SlackWebhookKey = "Alerting:SlackWebhookUrl";
    public const string PagerWebhookKey = "Alerting:PagerWebhookUrl";

    public EndpointReference Endpoint => new(this, "http");

    /// <summary>The page that lists what was sent (an endpoint and its path), once the AppHost has one.</summary>
    internal (EndpointReference Endpoint, string Path)? LocalReceiver { get; set; }
}

public static class AlertmanagerExtensions
{
    public static IResourceBuilder<LocalAlertmanagerResource> AddAlertmanager(this IDistributedApplicationBuilder builder, string name)
    {
        var state = CommerceState.Of(builder);
        var command = state.IsRunning ? DebianPrograms.Require("prometheus-alertmanager", "prometheus-alertmanager") : "prometheus-alertmanager";
        var resource = new LocalAlertmanagerResource(name, command);
        var root = state.DataDirectory(name);
        var config = Path.Combine(root, "alertmanager.yml");
        var slack = builder.Configuration[LocalAlertmanagerResource.SlackWebhookKey];
        var pager = builder.Configuration[LocalAlertmanagerResource.PagerWebhookKey];

        return builder.AddResource(resource)
            .WithHttpEndpoint(name: "http", isProxied: false)
            .WithArgs(context =>
            {
                context.Args.Add("--config.file=" + config);
                context.Args.Add("--storage.path=" + Path.Combine(root, "data"));
                context.Args.Add(ReferenceExpression.Create($"--web.listen-address=127.0.0.1:{resource.Endpoint.Property(EndpointProperty.TargetPort)}"));
                // One Alertmanager, no cluster: its gossip port (0.0.0.0:9094) would clash with a second system on the machine.
                context.Args.Add("--cluster.listen-address=");
                context.Args.Add("--log.level=warn");
            })
            .OnBeforeResourceStarted(async (alertmanager, _, cancellationToken) =>
            {
                Directory.CreateDirectory(Path.Combine(root, "data"));
                var yaml = await ConfigurationAsync(alertmanager, slack, pager, cancellationToken);
                await File.WriteAllTextAsync(config, yaml, cancellationToken);
                // The webhook URLs are secrets.
                File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            })
            .WithHttpHealthCheck("/-/ready")
            .WithIconName("AlertUrgent")
            .ExcludeFromManifest();
    }

    /// <summary>Every notification also goes to this project's <paramref name="path"/> (the operations page's list).</summary>
    public static IResourceBuilder<LocalAlertmanagerResource> WithLocalReceiver(
        this IResourceBuilder<LocalAlertmanagerResource> alertmanager, IResourceBuilder<ProjectResource> page, string path)
    {
        alertmanager.Resource.LocalReceiver = (page.GetEndpoint("http"), path);
        return alertmanager;
    }

    /// <summary>
    /// Grouped by alert name; the first notification 5 s after an alert fires (the incident report asked for minutes, not
    /// 30 s more), a group's changes at most once a minute, the same unresolved incident again after 4 h, not every minute.
    /// </summary>
    internal static async Task<string> ConfigurationAsync(
        LocalAlertmanagerResource alertmanager, string? slack, string? pager, CancellationToken cancellationToken)
    {
        var local = alertmanager.LocalReceiver is { } receiver
            ? $"http://127.0.0.1:{await receiver.Endpoint.Property(EndpointProperty.Port).GetValueAsync(cancellationToken)}{receiver.Path}"
            : null;
        var yaml = new StringBuilder();
        yaml.AppendLine("# Written by the AppHost at every start (ports change): change LocalAlertmanagerResource, not this file.");
        yaml.AppendLine("route:");
        yaml.AppendLine("  receiver: warning");
        yaml.AppendLine("  group_by: [alertname]");
        yaml.AppendLine("  group_wait: 5s");
        yaml.AppendLine("  group_interval: 1m");
        yaml.AppendLine("  repeat_interval: 4h");
        yaml.AppendLine("  routes:");
        yaml.AppendLine("    - receiver: critical");
        yaml.AppendLine("      matchers: ['severity=\"critical\"']");
        yaml.AppendLine("receivers:");
        AppendReceiver(yaml, "critical", local, [pager, slack]);
        AppendReceiver(yaml, "warning", local, [slack]);
        return yaml.ToString();
    }

    private static void AppendReceiver(StringBuilder yaml, string name, string? local, string?[] slackCompatible)
    {
        yaml.AppendLine($"  - name: {name}");
        if (local is not null)
        {
            yaml.AppendLine("    webhook_configs:");
            yaml.AppendLine($"      - url: {Quote(local)}");
            yaml.AppendLine("        send_resolved: true");
        }

        var urls = slackCompatible.Where(url => !string.IsNullOrWhiteSpace(url)).ToList();
        if (urls.Count == 0) return;
        yaml.AppendLine("    slack_configs:");
        foreach (var url in urls)
        {
            yaml.AppendLine($"      - api_url: {Quote(url!)}");
            yaml.AppendLine("        send_resolved: true");
            yaml.AppendLine("        title: '{{ .Status | toUpper }}: {{ .CommonLabels.alertname }} ({{ .CommonLabels.severity }})'");
            yaml.AppendLine("        text: '{{ range .Alerts }}{{ .Annotations.summary }} {{ .Annotations.description }}{{ \"\\n\" }}{{ end }}'");
        }
    }

    // A JSON string is a valid YAML double-quoted scalar.
    private static string Quote(string value) => JsonSerializer.Serialize(value);
}
