using System.Collections.Concurrent;
using Commerce.Contracts;
using MassTransit;

namespace Commerce.Testing;

/// <summary>
/// A MassTransit bus on a system's RabbitMQ virtual host: publishes commands as the Order saga would, and keeps a copy
/// of every reply and event the services publish, on a temporary queue of its own.
/// </summary>
public sealed class MessageBusProbe : IAsyncDisposable
{
    private readonly ConcurrentDictionary<Type, ConcurrentQueue<object>> received = new();
    private IBusControl bus = null!;

    private MessageBusProbe()
    {
    }

    internal static async Task<MessageBusProbe> StartAsync(string rabbitMqConnectionString)
    {
        var probe = new MessageBusProbe();
        var uri = new Uri(rabbitMqConnectionString);
        var userInfo = Uri.UnescapeDataString(uri.UserInfo).Split(':', 2);
        var virtualHost = Uri.UnescapeDataString(uri.AbsolutePath.Trim('/')) is { Length: > 0 } path ? path : "/";
        probe.bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(uri.Host, (ushort)uri.Port, virtualHost, host =>
            {
                host.Username(userInfo[0]);
                host.Password(userInfo[1]);
            });
            rabbit.ReceiveEndpoint($"test-probe-{Guid.NewGuid():N}", endpoint =>
            {
                endpoint.AutoDelete = true;
                endpoint.Durable = false;
                probe.Capture<StockReserved>(endpoint);
                probe.Capture<StockReservationFailed>(endpoint);
                probe.Capture<FundsReserved>(endpoint);
                probe.Capture<FundsReservationFailed>(endpoint);
                probe.Capture<CouponRedeemed>(endpoint);
                probe.Capture<CouponRedemptionFailed>(endpoint);
                probe.Capture<OrderCompleted>(endpoint);
                probe.Capture<OrderRejected>(endpoint);
            });
        });
        await probe.bus.StartAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        return probe;
    }

    private void Capture<T>(IReceiveEndpointConfigurator endpoint) where T : class =>
        endpoint.Handler<T>(context =>
        {
            received.GetOrAdd(typeof(T), _ => new ConcurrentQueue<object>()).Enqueue(context.Message);
            return Task.CompletedTask;
        });

    public Task PublishAsync<T>(T message) where T : class => bus.Publish(message);

    public IReadOnlyList<T> Received<T>() where T : class =>
        received.TryGetValue(typeof(T), out var queue) ? queue.Cast<T>().ToList() : [];

    public async Task<T> WaitForAsync<T>(Func<T, bool> match, TimeSpan? timeout = null) where T : class
    {
        var found = await Eventually.Until(
            () => Task.FromResult(Received<T>().FirstOrDefault(match)),
            message => message is not null,
            timeout ?? TimeSpan.FromSeconds(30),
            $"a {typeof(T).Name} that matches");
        return found!;
    }

    /// <summary>Waits until a <typeparamref name="TFirst"/> or a <typeparamref name="TSecond"/> that matches has arrived: a step's answer, whichever it was.</summary>
    public Task WaitForEitherAsync<TFirst, TSecond>(Func<TFirst, bool> first, Func<TSecond, bool> second, TimeSpan timeout, string what)
        where TFirst : class
        where TSecond : class =>
        Eventually.Until(
            () => Task.FromResult(Received<TFirst>().Any(first) || Received<TSecond>().Any(second)),
            arrived => arrived,
            timeout,
            what);

    public async ValueTask DisposeAsync() => await bus.StopAsync();
}
