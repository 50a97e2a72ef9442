using System.Globalization;

namespace Commerce.Notification.Notifications;

/// <summary>The events a notification is about; also the stored <c>kind</c> and what the API shows.</summary>
public static class NotificationKinds
{
    public const string OrderCompleted = nameof(Contracts.OrderCompleted);
    public const string OrderRejected = nameof(Contracts.OrderRejected);
}

/// <summary>One line of <c>GET /api/notifications</c>.</summary>
public sealed record NotificationView(Guid Id, Guid OrderId, string Kind, string Message, DateTimeOffset CreatedAt);

/// <summary>The <c>limit</c> query parameter of <c>GET /api/notifications</c>: 1-100, 20 when absent.</summary>
public static class NotificationQuery
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;

    /// <summary>How many notifications to show, or null when <paramref name="limit"/> is not a whole number from 1 to 100.</summary>
    public static int? ParseLimit(string? limit)
    {
        if (limit is null)
        {
            return DefaultLimit;
        }

        return int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is >= 1 and <= MaxLimit
            ? value
            : null;
    }
}
