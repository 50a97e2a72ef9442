using MassTransit;

namespace Commerce.ServiceDefaults.Messaging;

/// <summary>
/// Publishes and waits for RabbitMQ's confirm, but not forever: RabbitMQ.Client 7.2 can wait without end for the confirm
/// of a publish that was in flight when the broker went away (rabbitmq/rabbitmq-dotnet-client#1930). That froze Order's
/// outbox relay for good after a broker restart. Past the deadline the publish fails with a <see cref="TimeoutException"/>
/// and is tried again by whoever sent it (the relay keeps the message, MassTransit's retry redelivers the consumed
/// message): at least once, which every consumer here is built for. When a receive endpoint reports the broker lost, every
/// publish still waiting fails at once (<see cref="BrokerLost"/>): a consumer stuck on a lost confirm kept its endpoint
/// from faulting and reconnecting, and Stock's reserve-stock queue sat without a consumer after the broker came back.
/// </summary>
public static class ConfirmedPublish
{
    /// <summary>A confirm takes milliseconds even under a rush; this only catches the one that never comes.</summary>
    public static readonly TimeSpan ConfirmDeadline = TimeSpan.FromSeconds(10);

    // Static because the waits it ends are in consumers and the relay alike; one process has one broker connection.
    private static CancellationTokenSource brokerLost = new();
    private static volatile bool lost;

    /// <summary>
    /// The broker connection is gone: confirms still awaited from it will never come, and until an endpoint is ready
    /// again a publish fails at once. A consumer waiting on a dead connection (then retrying, up to five times) kept its
    /// endpoint from faulting and reconnecting: Stock's reserve-stock sat without a consumer after a broker restart.
    /// </summary>
    public static void BrokerLost()
    {
        lost = true;
        Interlocked.Exchange(ref brokerLost, new CancellationTokenSource()).Cancel();
    }

    /// <summary>An endpoint consumes again: the connection is back.</summary>
    public static void BrokerBack() => lost = false;

    public static Task PublishConfirmedAsync<T>(this IPublishEndpoint publisher, T message, CancellationToken cancellationToken)
        where T : class =>
        WithinDeadlineAsync(typeof(T), deadline => publisher.Publish(message, deadline), cancellationToken);

    public static Task PublishConfirmedAsync(this IPublishEndpoint publisher, object message, Type messageType, CancellationToken cancellationToken) =>
        WithinDeadlineAsync(messageType, deadline => publisher.Publish(message, messageType, deadline), cancellationToken);

    private static async Task WithinDeadlineAsync(Type messageType, Func<CancellationToken, Task> publish, CancellationToken cancellationToken)
    {
        if (lost) throw new BrokerLostException($"RabbitMQ is away; {messageType.Name} was not published.");
        var lostToken = Volatile.Read(ref brokerLost).Token;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lostToken);
        deadline.CancelAfter(ConfirmDeadline);
        try
        {
            await publish(deadline.Token);
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested && lostToken.IsCancellationRequested)
        {
            throw new BrokerLostException($"RabbitMQ went away before confirming {messageType.Name}.", exception);
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"RabbitMQ did not confirm {messageType.Name} within {ConfirmDeadline.TotalSeconds} s.", exception);
        }
    }
}

/// <summary>
/// The broker went away under a publish: the consumed message is still unacknowledged and comes back when the broker
/// does, so retrying here only keeps the endpoint from reconnecting (the bus's retry ignores it).
/// </summary>
public sealed class BrokerLostException(string message, Exception? inner = null) : Exception(message, inner);
