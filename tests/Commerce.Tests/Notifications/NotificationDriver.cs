using System.Net.Http.Json;
using Commerce.Testing;
using Npgsql;

namespace Commerce.Tests.Notifications;

/// <summary>A line of <c>GET /api/notifications</c>.</summary>
public sealed record NotificationJson(Guid Id, Guid OrderId, string Kind, string Message, DateTimeOffset CreatedAt);

/// <summary>Reads a user's notifications through the Gateway, and how many times an event arrived from notificationdb.</summary>
public sealed class NotificationDriver(CommerceSystem system)
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public static string NewUserId() => $"u-{Guid.NewGuid():N}";

    public async Task<List<NotificationJson>> ListAsync(string userId, int? limit = null)
    {
        using var client = system.CreateClient(userId);
        return (await client.GetFromJsonAsync<List<NotificationJson>>(
            limit is null ? "/api/notifications" : $"/api/notifications?limit={limit}"))!;
    }

    /// <summary>Polls the user's notifications until <paramref name="done"/> holds.</summary>
    public Task<List<NotificationJson>> ListWhenAsync(string userId, Func<List<NotificationJson>, bool> done, string what) =>
        Eventually.Until(() => ListAsync(userId, 100), done, Deadline, what);

    /// <summary>How many times the (order, kind) event reached the service; 0 before the first.</summary>
    public async Task<int> DeliveriesAsync(Guid orderId, string kind)
    {
        await using var connection = new NpgsqlConnection(system.DatabaseConnectionString("notificationdb"));
        await connection.OpenAsync();
        await using var read = new NpgsqlCommand("SELECT deliveries FROM notifications WHERE order_id = @order AND kind = @kind", connection);
        read.Parameters.AddWithValue("order", orderId);
        read.Parameters.AddWithValue("kind", kind);
        return await read.ExecuteScalarAsync() is int deliveries ? deliveries : 0;
    }
}
