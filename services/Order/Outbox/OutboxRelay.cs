using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Commerce.Contracts;
using Commerce.Order.Telemetry;
using Commerce.ServiceDefaults.Messaging;
using MassTransit;
using Npgsql;

namespace Commerce.Order.Outbox;

/// <summary>
/// Publishes committed outbox messages to RabbitMQ, oldest first, and deletes them once the broker confirmed them.
/// A crash between publish and delete publishes again: consumers are idempotent per order and step, so at-least-once
/// is enough. Woken right after each commit, and polls as a safety net. (eShop's outbox has no relay; ours retries.)
/// </summary>
public sealed class OutboxRelay(
    NpgsqlDataSource dataSource,
    IBus bus,
    OrderMetrics metrics,
    ILogger<OutboxRelay> logger) : BackgroundService
{
    private const int BatchSize = 200;
    private static readonly ActivitySource Tracing = new("Commerce.Order.Outbox");
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// The backlog gauge is scraped every few seconds, and a lunch rush relays several batches per order: counting once a
    /// second instead of per batch saves a statement per saga step.
    /// </summary>
    private static readonly TimeSpan BacklogCountInterval = TimeSpan.FromSeconds(1);

    private long backlogCountedAt;
    private readonly Channel<bool> wakeUps = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Something was committed to the outbox: relay it now rather than at the next poll.</summary>
    public void WakeUp() => wakeUps.Writer.TryWrite(true);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var relayed = await RelayBatchAsync(stoppingToken);
                if (relayed == BatchSize) continue;
                await WaitForWorkAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                // Broker or database away: keep the messages, try again shortly.
                logger.LogWarning(exception, "Outbox relay failed; retrying");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    private async Task WaitForWorkAsync(CancellationToken stoppingToken)
    {
        using var poll = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        poll.CancelAfter(PollInterval);
        try
        {
            await wakeUps.Reader.ReadAsync(poll.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task<int> RelayBatchAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var batch = new List<(long Id, string Type, string Body, string? TraceParent)>();
        // Deleted as they are read, and the delete commits only after the broker confirmed every publish: a failed
        // publish rolls the delete back and the messages stay. One round trip fewer than reading, then deleting.
        await using (var take = new NpgsqlCommand(
            """
            DELETE FROM outbox_messages
            WHERE id IN (SELECT id FROM outbox_messages ORDER BY id LIMIT @limit FOR UPDATE SKIP LOCKED)
            RETURNING id, message_type, body::text, trace_parent
            """, connection, transaction))
        {
            take.Parameters.AddWithValue("limit", BatchSize);
            await using var reader = await take.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                batch.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
            }
        }

        if (batch.Count > 0)
        {
            // Messages of one order are in order in the batch; publishing them concurrently is fine because each
            // participant gets at most one message per order from one step's batch (a command and its events).
            batch.Sort((a, b) => a.Id.CompareTo(b.Id));
            await Task.WhenAll(batch.Select(message => PublishAsync(message.Type, message.Body, message.TraceParent, cancellationToken)));
        }

        if (Stopwatch.GetElapsedTime(backlogCountedAt) >= BacklogCountInterval)
        {
            await using var count = new NpgsqlCommand("SELECT count(*) FROM outbox_messages", connection, transaction);
            metrics.OutboxBacklog = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
            backlogCountedAt = Stopwatch.GetTimestamp();
        }

        await transaction.CommitAsync(cancellationToken);
        return batch.Count;
    }

    private async Task PublishAsync(string typeName, string body, string? traceParent, CancellationToken cancellationToken)
    {
        var type = typeof(OrderLine).Assembly.GetType(typeName)
            ?? throw new InvalidOperationException($"Outbox holds an unknown message type {typeName}.");
        var message = JsonSerializer.Deserialize(body, type, OutboxJson.Options)!;
        // The publish continues the trace of the request or message that committed it: one order, one trace, end to end.
        using var relayed = Tracing.StartActivity(
            "outbox relay " + type.Name, ActivityKind.Internal, ActivityContext.TryParse(traceParent, null, out var parent) ? parent : default);
        await bus.PublishConfirmedAsync(message, type, cancellationToken);
    }
}
