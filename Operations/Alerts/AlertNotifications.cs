using System.Collections.Concurrent;
using System.Text.Json.Serialization;

namespace Commerce.Operations.Alerts;

/// <summary>One alert in a notification: Alertmanager's labels and annotations, and whether it fires or was resolved.</summary>
public sealed record NotifiedAlert(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("labels")] IReadOnlyDictionary<string, string> Labels,
    [property: JsonPropertyName("annotations")] IReadOnlyDictionary<string, string>? Annotations,
    [property: JsonPropertyName("startsAt")] DateTimeOffset StartsAt);

/// <summary>Alertmanager's webhook body (version 4): one notification for a group of alerts.</summary>
public sealed record AlertmanagerWebhook(
    [property: JsonPropertyName("receiver")] string Receiver,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("groupLabels")] IReadOnlyDictionary<string, string>? GroupLabels,
    [property: JsonPropertyName("alerts")] IReadOnlyList<NotifiedAlert> Alerts);

/// <summary>A notification as the page lists it: when it came, to which receiver, and the alerts it carried.</summary>
public sealed record AlertNotification(DateTimeOffset ReceivedAt, string Receiver, string Status, IReadOnlyList<NotifiedAlert> Alerts)
{
    public IReadOnlyList<string> AlertNames => [.. Alerts.Select(alert => alert.Labels.GetValueOrDefault("alertname") ?? "?").Distinct()];
}

/// <summary>
/// The local receiver: Alertmanager posts every notification here as well as to the Slack-compatible webhooks that are
/// configured (none on a laptop), so the page shows what reached people and when. The last <see cref="Kept"/> are kept,
/// in memory: the record of a development run, not an audit log.
/// </summary>
public sealed class AlertNotifications(TimeProvider clock)
{
    public const int Kept = 50;

    private readonly ConcurrentQueue<AlertNotification> received = new();

    public void Receive(AlertmanagerWebhook webhook)
    {
        received.Enqueue(new AlertNotification(clock.GetUtcNow(), webhook.Receiver, webhook.Status, webhook.Alerts));
        while (received.Count > Kept) received.TryDequeue(out _);
    }

    /// <summary>The newest first.</summary>
    public IReadOnlyList<AlertNotification> Recent() => [.. received.Reverse()];
}
