using System.Diagnostics;
using System.Text.Json;

namespace Commerce.Order.Outbox;

/// <summary>
/// A message as an outbox row, for the statement that commits it (or not) together with the state change that caused
/// it (placing an order, a saga step). The relay publishes it after the commit.
/// </summary>
public static class OutboxWriter
{
    /// <summary>An outbox row's values; its trace parent is the current activity's, so the publish joins the same trace.</summary>
    public sealed record OutboxRow(string MessageType, string Body, string? TraceParent);

    public static OutboxRow Row(object message) =>
        new(message.GetType().FullName!, JsonSerializer.Serialize(message, message.GetType(), OutboxJson.Options), Activity.Current?.Id);
}

internal static class OutboxJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
