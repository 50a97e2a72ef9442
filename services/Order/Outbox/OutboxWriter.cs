using System.Diagnostics;
using System.Text.Json;
using Commerce.Order.Data;
using Npgsql;
using NpgsqlTypes;

namespace Commerce.Order.Outbox;

/// <summary>
/// Adds messages to the outbox in the caller's unit of work, so they commit (or not) together with the state change
/// that caused them. The relay publishes them after the commit.
/// </summary>
public static class OutboxWriter
{
    /// <summary>For a unit of work in EF Core (placing an order).</summary>
    public static void Enqueue(OrderDbContext db, IEnumerable<object> messages, DateTimeOffset now)
    {
        foreach (var message in messages)
        {
            db.OutboxMessages.Add(new OutboxMessage
            {
                MessageType = message.GetType().FullName!,
                Body = Serialize(message),
                CreatedAt = now,
                TraceParent = Activity.Current?.Id,
            });
        }
    }

    /// <summary>For a unit of work in plain Npgsql (a saga step): the same row, as a statement for the caller's batch.</summary>
    public static NpgsqlBatchCommand Insert(object message, DateTimeOffset now) =>
        new("INSERT INTO outbox_messages (message_type, body, created_at, trace_parent) VALUES ($1, $2, $3, $4)")
        {
            Parameters =
            {
                new() { Value = message.GetType().FullName! },
                new() { Value = Serialize(message), NpgsqlDbType = NpgsqlDbType.Jsonb },
                new() { Value = now },
                new() { Value = (object?)Activity.Current?.Id ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Varchar },
            },
        };

    private static string Serialize(object message) => JsonSerializer.Serialize(message, message.GetType(), OutboxJson.Options);
}

internal static class OutboxJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
