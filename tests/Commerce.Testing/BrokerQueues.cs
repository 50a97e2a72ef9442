using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Serialization;

namespace Commerce.Testing;

/// <summary>One queue as RabbitMQ's management API lists it.</summary>
public sealed record QueueState(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("vhost")] string VirtualHost,
    [property: JsonPropertyName("durable")] bool Durable,
    [property: JsonPropertyName("consumers")] int Consumers,
    [property: JsonPropertyName("messages_ready")] long Ready);

/// <summary>What a broker's queues look like to an operator (RabbitMQ's management API): who consumes, what waits.</summary>
public sealed class BrokerQueues(Uri managementUrl, string user, string password)
{
    /// <summary>
    /// The services' own queues: durable and not an <c>_error</c> or <c>_skipped</c> queue (temporary bus queues are not
    /// durable and outlive a killed process for a while).
    /// </summary>
    public async Task<QueueTable> ServiceQueuesAsync()
    {
        using var client = new HttpClient { BaseAddress = managementUrl, Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        var queues = await client.GetFromJsonAsync<List<QueueState>>("/api/queues") ?? [];
        return new QueueTable([.. queues.Where(queue => queue.Durable && !queue.Name.EndsWith("_error", StringComparison.Ordinal)
            && !queue.Name.EndsWith("_skipped", StringComparison.Ordinal)).OrderBy(queue => queue.Name, StringComparer.Ordinal)]);
    }
}

/// <summary>Queues as an operator reads them: name, consumers, messages ready.</summary>
public sealed record QueueTable(IReadOnlyList<QueueState> Queues)
{
    public bool AllConsumed => Queues.Count > 0 && Queues.All(queue => queue.Consumers >= 1);

    public override string ToString() =>
        "\n" + string.Join('\n', Queues.Select(queue => $"{queue.Name,-32} consumers {queue.Consumers,2}  ready {queue.Ready,5}"));
}
