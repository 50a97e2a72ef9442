using System.Diagnostics;
using System.Text.Json;
using Commerce.Order.Data;
using Npgsql;

namespace Commerce.Order.Outbox;

/// <summary>
/// Writes messages to the outbox in the caller's transaction, so they commit (or not) together with the state change
/// that caused them. The relay publishes them after the commit.
/// </summary>
public static class OutboxWriter
{
    /// <summary>An outbox row's values; its trace parent is the current activity's, so the publish joins the same trace.</summary>
    public sealed record OutboxRow(string MessageType, string Body, string? TraceParent);

    public static OutboxRow Row(object message) =>
        new(message.GetType().FullName!, JsonSerializer.Serialize(message, message.GetType(), OutboxJson.Options), Activity.Current?.Id);

    /// <summary>The message's row, as a statement for the caller's batch.</summary>
    public static NpgsqlBatchCommand Insert(object message, DateTimeOffset now)
    {
        var row = Row(message);
        var insert = new NpgsqlBatchCommand("INSERT INTO outbox_messages (message_type, body, created_at, trace_parent) VALUES ($1, $2::jsonb, $3, $4)");
        insert.Parameters.AddPositional(row.MessageType, row.Body, now, row.TraceParent);
        return insert;
    }
}

internal static class OutboxJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
