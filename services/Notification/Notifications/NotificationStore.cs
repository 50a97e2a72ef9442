using Npgsql;

namespace Commerce.Notification.Notifications;

/// <summary>
/// The one place notifications are written and read. A notification is keyed by its order and kind, so an event
/// delivered twice (a redelivery, or a duplicate publish) finds its row and makes no second notification.
/// </summary>
public sealed class NotificationStore(NpgsqlDataSource db, NotificationMetrics metrics, ILogger<NotificationStore> logger)
{
    /// <summary>Stores the notification unless the order already has one of this kind; true when it was made now.</summary>
    public async Task<bool> RecordAsync(Guid orderId, string userId, string kind, string message, CancellationToken cancellationToken)
    {
        // The conflict leaves the first message as it is and only counts the delivery, so operators and tests can see
        // that a redelivery arrived and changed nothing a user reads.
        await using var insert = db.CreateCommand(
            """
            INSERT INTO notifications (id, user_id, order_id, kind, message)
            VALUES (@id, @user, @order, @kind, @message)
            ON CONFLICT (order_id, kind) DO UPDATE SET deliveries = notifications.deliveries + 1
            RETURNING deliveries
            """);
        // Version 7 ids grow with time, so notifications made in the same instant still list in the order they were made.
        insert.Parameters.AddWithValue("id", Guid.CreateVersion7());
        insert.Parameters.AddWithValue("user", userId);
        insert.Parameters.AddWithValue("order", orderId);
        insert.Parameters.AddWithValue("kind", kind);
        insert.Parameters.AddWithValue("message", message);
        var deliveries = (int)(await insert.ExecuteScalarAsync(cancellationToken))!;

        if (deliveries > 1)
        {
            logger.LogInformation("Order {OrderId} already has its {Kind} notification (delivery {Deliveries})", orderId, kind, deliveries);
            return false;
        }

        metrics.Made(kind);
        return true;
    }

    /// <summary>The user's newest notifications first, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<NotificationView>> ListAsync(string userId, int limit, CancellationToken cancellationToken)
    {
        await using var read = db.CreateCommand(
            """
            SELECT id, order_id, kind, message, created_at FROM notifications
            WHERE user_id = @user
            ORDER BY created_at DESC, id DESC
            LIMIT @limit
            """);
        read.Parameters.AddWithValue("user", userId);
        read.Parameters.AddWithValue("limit", limit);
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        var notifications = new List<NotificationView>(limit);
        while (await reader.ReadAsync(cancellationToken))
        {
            notifications.Add(new NotificationView(
                reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4)));
        }

        return notifications;
    }
}
