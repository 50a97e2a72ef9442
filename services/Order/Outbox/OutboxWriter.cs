using System.Diagnostics;
using System.Text.Json;

namespace Commerce.Order.Outbox;

/// <summary>
/// Messages as outbox rows, inserted by the statement that makes the state change causing them (placing an order, a saga
/// step), so they commit with it or not at all. The relay publishes them after the commit.
/// </summary>
public static class OutboxWriter
{
    /// <summary>
    /// The part of a statement that inserts its messages, in their order, for each row <paramref name="guard"/> (one of the
    /// statement's CTEs) returned: none when the state change did not happen. Its parameters are $<paramref name="createdAt"/>
    /// and, from $<paramref name="firstColumn"/> on, the three arrays of <see cref="Columns"/>.
    /// </summary>
    public static string InsertFor(string guard, int createdAt, int firstColumn) =>
        $"""
        INSERT INTO outbox_messages (message_type, body, created_at, trace_parent)
        SELECT message.message_type, message.body::jsonb, ${createdAt}, message.trace_parent
        FROM {guard}, unnest(${firstColumn}::text[], ${firstColumn + 1}::text[], ${firstColumn + 2}::text[])
            WITH ORDINALITY AS message(message_type, body, trace_parent, position)
        ORDER BY message.position
        """;

    /// <summary>
    /// The messages as the three arrays <see cref="InsertFor"/> reads: their types, their bodies, and their trace parent
    /// (the current activity's, so the publish joins the same trace).
    /// </summary>
    public static object[] Columns(IReadOnlyList<object> messages) =>
    [
        messages.Select(message => message.GetType().FullName!).ToArray(),
        messages.Select(message => JsonSerializer.Serialize(message, message.GetType(), OutboxJson.Options)).ToArray(),
        messages.Select(_ => Activity.Current?.Id).ToArray(),
    ];
}

internal static class OutboxJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
