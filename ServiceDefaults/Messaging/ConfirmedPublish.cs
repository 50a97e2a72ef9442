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

    /// <summary>The broker connection is gone: confirms still awaited from it will never come.</summary>
    public static void BrokerLost() => Interlocked.Exchange(ref brokerLost, new CancellationTokenSource()).Cancel();

    public static Task PublishConfirmedAsync<T>(this IPublishEndpoint publisher, T message, CancellationToken cancellationToken)
        where T : class =>
        WithinDeadlineAsync(typeof(T), deadline => publisher.Publish(message, deadline), cancellationToken);

    public static Task PublishConfirmedAsync(this IPublishEndpoint publisher, object message, Type messageType, CancellationToken cancellationToken) =>
        WithinDeadlineAsync(messageType, deadline => publisher.Publish(message, messageType, deadline), cancellationToken);

    private static async Task WithinDeadlineAsync(Type messageType, Func<CancellationToken, Task> publish, CancellationToken cancellationToken)
    {
        var lost = Volatile.Read(ref brokerLost).Token;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lost);
        deadline.CancelAfter(ConfirmDeadline);
        try
        {
            await publish(deadline.Token);
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(lost.IsCancellationRequested
                ? $"RabbitMQ went away before confirming {messageType.Name}."
                : $"RabbitMQ did not confirm {messageType.Name} within {ConfirmDeadline.TotalSeconds} s.", exception);
        }
    }
}
