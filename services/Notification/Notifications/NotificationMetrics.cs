using System.Diagnostics.Metrics;

namespace Commerce.Notification.Notifications;

/// <summary>The <c>Commerce.Notification</c> meter: notifications made, by kind (redeliveries that made none are not counted).</summary>
public sealed class NotificationMetrics
{
    public const string MeterName = "Commerce.Notification";

    private readonly Counter<long> notifications;

    public NotificationMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        notifications = meter.CreateCounter<long>(
            "commerce.notifications", unit: "{notification}",
            description: "Notifications made for users, by kind (OrderCompleted, OrderRejected).");
    }

    public void Made(string kind) => notifications.Add(1, new KeyValuePair<string, object?>("kind", kind));
}
