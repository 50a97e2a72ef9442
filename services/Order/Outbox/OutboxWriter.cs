using System.Diagnostics;
using System.Text.Json;
using Commerce.Order.Data;

namespace Commerce.Order.Outbox;

/// <summary>
/// Adds messages to the outbox in the caller's unit of work, so they commit (or not) together with the state change
/// that caused them. The relay publishes them after the commit.
/// </summary>
public static class OutboxWriter
{
    public static void Enqueue(OrderDbContext db, IEnumerable<object> messages, DateTimeOffset now)
    {
        foreach (var message in messages)
        {
            db.OutboxMessages.Add(new OutboxMessage
            {
                MessageType = message.GetType().FullName!,
                Body = JsonSerializer.Serialize(message, message.GetType(), OutboxJson.Options),
                CreatedAt = now,
                TraceParent = Activity.Current?.Id,
            });
        }
    }
}

internal static class OutboxJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
