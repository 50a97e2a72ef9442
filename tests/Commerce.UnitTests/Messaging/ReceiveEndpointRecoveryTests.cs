using System.Reflection;
using Commerce.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Commerce.UnitTests.Messaging;

/// <summary>
/// Which receive endpoints the recovery restarts after a broker loss, on a fake clock. No broker: the consumer watch finds
/// none (port 1 refuses), so every restart here comes from what the endpoints reported. The chained broker-kill fault
/// test proves the same on a real RabbitMQ.
/// </summary>
public sealed class ReceiveEndpointRecoveryTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private readonly Lifetime lifetime = new();
    private readonly FakeLogger<ReceiveEndpointRecovery> log = new();
    private readonly ReceiveEndpointRecovery recovery;
    private readonly RecordingEndpoint reserveStock = RecordingEndpoint.At("reserve-stock");
    private readonly RecordingEndpoint releaseStock = RecordingEndpoint.At("release-stock");

    public ReceiveEndpointRecoveryTests() =>
        recovery = new ReceiveEndpointRecovery(
            clock, lifetime, new ReceiveEndpointRecovery.Broker(new Uri("amqp://guest:guest@127.0.0.1:1/")),
            log);

    public async ValueTask InitializeAsync()
    {
        await recovery.StartAsync(CancellationToken.None);
        await recovery.Ready(Event<ReceiveEndpointReady>(reserveStock));
        await recovery.Ready(Event<ReceiveEndpointReady>(releaseStock));
    }

    public async ValueTask DisposeAsync()
    {
        lifetime.Stop();
        await recovery.StopAsync(CancellationToken.None);
        recovery.Dispose();
    }

    [Fact]
    public async Task An_endpoint_that_says_nothing_when_its_neighbour_lost_the_broker_is_restarted_with_it()
    {
        await recovery.Completed(Event<ReceiveEndpointCompleted>(releaseStock));

        // The consumer watch cannot see a broker here: only the report of its neighbour restarts reserve-stock.
        await AdvanceUntilAsync(() => releaseStock.Starts == 1 && reserveStock.Starts == 1, "both endpoints restarted");
    }

    [Fact]
    public async Task A_restart_that_faults_again_while_the_broker_is_away_restarts_no_endpoint_that_came_back()
    {
        await recovery.Completed(Event<ReceiveEndpointCompleted>(releaseStock));
        await recovery.Completed(Event<ReceiveEndpointCompleted>(reserveStock));
        await AdvanceUntilAsync(() => releaseStock.Stops == 1 && reserveStock.Stops == 1, "both endpoints stopped once");

        // reserve-stock is back; release-stock's start fails and faults while the broker is still away.
        await recovery.Ready(Event<ReceiveEndpointReady>(reserveStock));
        await recovery.Faulted(Event<ReceiveEndpointFaulted>(releaseStock));
        await AdvanceUntilAsync(() => releaseStock.Stops == 2, "release-stock restarted again");

        Assert.Equal(1, reserveStock.Stops);
    }

    [Fact]
    public async Task A_stop_that_overruns_its_budget_is_followed_by_the_next_try_at_the_next_tick()
    {
        releaseStock.HangingStops = 1;
        await recovery.Completed(Event<ReceiveEndpointCompleted>(releaseStock));
        await AdvanceUntilAsync(
            () => log.Collector.GetSnapshot().Any(record => record.Message.Contains("could not be restarted yet")), "the stop ran out of its budget");

        // One tick later (0.5 s), not after another RestartAfter (2 s): the clock moves no further than that tick.
        clock.Advance(TimeSpan.FromMilliseconds(500));
        await UntilAsync(() => releaseStock.Starts == 1, "release-stock started at the next tick", clockStep: TimeSpan.Zero);
        Assert.Equal(2, releaseStock.Stops);
    }

    /// <summary>Moves the fake clock 0.1 s at a time until the condition holds; the recovery's loop runs on the thread pool.</summary>
    private Task AdvanceUntilAsync(Func<bool> condition, string what) => UntilAsync(condition, what, TimeSpan.FromMilliseconds(100));

    /// <summary>
    /// Waits, within <see cref="Deadline"/> of real time, until the condition holds, moving the fake clock by
    /// <paramref name="clockStep"/> before each look (zero: the clock stays where it is).
    /// </summary>
    private async Task UntilAsync(Func<bool> condition, string what, TimeSpan clockStep)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Not within {Deadline.TotalSeconds} s: {what}");
            clock.Advance(clockStep);
            await Task.Delay(5); // lets the loop run its tick before the next one; the condition, not this, ends the wait
        }
    }

    private static T Event<T>(RecordingEndpoint endpoint) where T : class, ReceiveEndpointEvent =>
        Fake<T>.With(new()
        {
            [nameof(ReceiveEndpointEvent.InputAddress)] = _ => endpoint.Address,
            [nameof(ReceiveEndpointEvent.ReceiveEndpoint)] = _ => endpoint.Endpoint,
            [nameof(ReceiveEndpointReady.IsStarted)] = _ => true,
            [nameof(ReceiveEndpointFaulted.Exception)] = _ => new InvalidOperationException("broker gone"),
            [nameof(ReceiveEndpointCompleted.DeliveryCount)] = _ => 0L,
            [nameof(ReceiveEndpointCompleted.ConcurrentDeliveryCount)] = _ => 0L,
        });

    /// <summary>An endpoint that counts its stops and starts; a hanging stop never ends, as one did under load.</summary>
    private sealed class RecordingEndpoint
    {
        public required Uri Address { get; init; }
        public IReceiveEndpoint Endpoint { get; private set; } = null!;
        public int Stops;
        public int Starts;
        public int HangingStops;

        public static RecordingEndpoint At(string queue)
        {
            var recording = new RecordingEndpoint { Address = new Uri($"rabbitmq://127.0.0.1:1/{queue}") };
            recording.Endpoint = Fake<IReceiveEndpoint>.With(new()
            {
                [nameof(IReceiveEndpoint.InputAddress)] = _ => recording.Address,
                [nameof(IReceiveEndpoint.Stop)] = _ =>
                    Interlocked.Increment(ref recording.Stops) <= recording.HangingStops ? new TaskCompletionSource().Task : Task.CompletedTask,
                [nameof(IReceiveEndpoint.Start)] = _ =>
                {
                    Interlocked.Increment(ref recording.Starts);
                    return null;
                },
            });
            return recording;
        }
    }

    private sealed class Lifetime : IHostApplicationLifetime
    {
        private readonly CancellationTokenSource stopping = new();
        public CancellationToken ApplicationStarted => CancellationToken.None;
        public CancellationToken ApplicationStopping => stopping.Token;
        public CancellationToken ApplicationStopped => CancellationToken.None;
        public void StopApplication() => stopping.Cancel();
        public void Stop() => stopping.Cancel();
    }
}

/// <summary>
/// An implementation of a MassTransit interface that answers only the members a test names (by name, properties as
/// <c>get_X</c>); MassTransit's endpoint and event interfaces are too wide to write out for the three members used.
/// </summary>
public class Fake<T> : DispatchProxy where T : class
{
    private Dictionary<string, Func<object?[]?, object?>> members = [];

    public static T With(Dictionary<string, Func<object?[]?, object?>> members)
    {
        var fake = DispatchProxy.Create<T, Fake<T>>();
        ((Fake<T>)(object)fake).members = members;
        return fake;
    }

    protected override object? Invoke(MethodInfo? method, object?[]? args)
    {
        var name = method!.Name.StartsWith("get_", StringComparison.Ordinal) ? method.Name[4..] : method.Name;
        return members.TryGetValue(name, out var member)
            ? member(args)
            : throw new NotSupportedException($"{typeof(T).Name}.{method.Name} is not part of this fake.");
    }
}
