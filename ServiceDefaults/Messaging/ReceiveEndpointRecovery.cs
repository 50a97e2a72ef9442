using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Commerce.ServiceDefaults.Messaging;

/// <summary>
/// Restarts a receive endpoint that lost its broker, every couple of seconds, until it consumes again.
/// </summary>
/// <remarks>
/// MassTransit 8.5 reconnects a faulted receive transport itself, but on an exponential schedule (3, 6, 12, 24, then
/// 30 s) that it only resets when the endpoint is started again. After a RabbitMQ restart some of a service's endpoints
/// were back at once and others only 45 s later: Order's answer queues sat without a consumer, orders timed out and
/// stock stayed reserved for them. A restarted endpoint starts a fresh schedule whose first attempt is immediate, so
/// every endpoint consumes again within about <see cref="RestartAfter"/> of the broker's return. MassTransit offers no
/// setting for that schedule; this is the smallest piece on its public API (endpoint observer, Stop and Start) that does it.
/// </remarks>
public sealed partial class ReceiveEndpointRecovery(
    TimeProvider clock, IHostApplicationLifetime lifetime, ReceiveEndpointRecovery.Broker broker, ILogger<ReceiveEndpointRecovery> logger)
    : BackgroundService, IReceiveEndpointObserver
{
    /// <summary>The broker the bus uses, for the consumer watch's own connection.</summary>
    public sealed record Broker(Uri Address);

    /// <summary>How often the broker is asked whether every endpoint's queue has a consumer (one passive declare each).</summary>
    private static readonly TimeSpan WatchEvery = TimeSpan.FromSeconds(2);

    /// <summary>How long an endpoint may stay faulted before it is restarted (and between restarts while the broker is away).</summary>
    public static readonly TimeSpan RestartAfter = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a restart waits for the endpoint to stop. A stop waits for the messages in work, and after a broker kill
    /// under load one hung for the whole 10 s it had, then the next attempt stopped at once: a short budget and another
    /// try bring the consumer back sooner.
    /// </summary>
    private static readonly TimeSpan StopBudget = TimeSpan.FromSeconds(4);

    /// <summary>How long the watch waits for the broker's answer (connect, channel, one passive declare) before it looks again.</summary>
    private static readonly TimeSpan WatchBudget = TimeSpan.FromSeconds(2);

    /// <summary>How long after the first endpoint reports the broker lost the others have to report it too (<see cref="RestartSilentEndpoints"/>).</summary>
    private static readonly TimeSpan SilentAfter = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<Uri, FaultedEndpoint> faulted = new();
    private readonly ConcurrentDictionary<Uri, bool> restarting = new();
    /// <summary>Every endpoint that was ready once, whatever it says now, with how many watches in a row found no consumer.</summary>
    private readonly ConcurrentDictionary<Uri, (IReceiveEndpoint Endpoint, int Misses)> known = new();
    /// <summary>When each endpoint that is not consuming stopped consuming: the log says how long it took to come back.</summary>
    private readonly ConcurrentDictionary<Uri, DateTimeOffset> lostSince = new();
    /// <summary>When an endpoint first reported the broker lost (UTC ticks), until the silent ones are swept; 0 when none did.</summary>
    private long lossReportedTicks;
    private RabbitMQ.Client.IConnection? watchConnection;
    private RabbitMQ.Client.IChannel? watchChannel;

    private sealed record FaultedEndpoint(IReceiveEndpoint Endpoint, DateTimeOffset Since);

    public Task Ready(ReceiveEndpointReady ready)
    {
        ConfirmedPublish.BrokerBack();
        if (!IsTemporary(ready.InputAddress)) known[ready.InputAddress] = (ready.ReceiveEndpoint, 0);
        faulted.TryRemove(ready.InputAddress, out _);
        if (lostSince.TryRemove(ready.InputAddress, out var since)) LogConsumingAgain(ready.InputAddress, (clock.GetUtcNow() - since).TotalSeconds);
        return Task.CompletedTask;
    }

    public Task Faulted(ReceiveEndpointFaulted fault)
    {
        ConfirmedPublish.BrokerLost();
        if (lostSince.TryAdd(fault.InputAddress, clock.GetUtcNow()))
        {
            LogFaulted(fault.InputAddress, fault.Exception?.Message ?? "no cause given");
            ExpectNeighboursToReport();
        }

        faulted.TryAdd(fault.InputAddress, new FaultedEndpoint(fault.ReceiveEndpoint, clock.GetUtcNow()));
        return Task.CompletedTask;
    }

    public Task Stopping(ReceiveEndpointStopping stopping) => Task.CompletedTask;

    /// <summary>
    /// An endpoint that stopped by itself, not on shutdown and not by our restart, is restarted like a faulted one: after a
    /// broker kill under load Stock's reserve-stock transport faulted while its consumers were cancelled mid-query, then
    /// stopped without a Faulted event and sat without a consumer for good.
    /// </summary>
    public Task Completed(ReceiveEndpointCompleted completed)
    {
        if (!lifetime.ApplicationStopping.IsCancellationRequested && !restarting.ContainsKey(completed.InputAddress))
        {
            ConfirmedPublish.BrokerLost();
            if (lostSince.TryAdd(completed.InputAddress, clock.GetUtcNow())) ExpectNeighboursToReport();
            LogStoppedByItself(completed.InputAddress);
            faulted.TryAdd(completed.InputAddress, new FaultedEndpoint(completed.ReceiveEndpoint, clock.GetUtcNow()));
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// An endpoint that was consuming has just lost the broker. Only that arms the sweep: a restart that fails while the
    /// broker is away faults again, and arming on those swept endpoints that had just come back.
    /// </summary>
    private void ExpectNeighboursToReport() =>
        Interlocked.CompareExchange(ref lossReportedTicks, clock.GetUtcNow().UtcTicks, 0);

    /// <summary>
    /// Every endpoint of this bus shares one broker connection: when one reports it lost, all lost it. After a broker kill
    /// under load, Stock's reserve-stock (its consumers in the middle of publishing their answers) raised neither Faulted
    /// nor Completed while its two neighbours did; only the consumer watch found it, after the broker was back, and the
    /// queue went 7–14 s without a consumer (the chained broker-kill test allows 15). So a second after the first report,
    /// every endpoint that has said nothing is restarted with the rest, while the broker is still away.
    /// </summary>
    private void RestartSilentEndpoints()
    {
        var reported = Interlocked.Read(ref lossReportedTicks);
        if (reported == 0 || clock.GetUtcNow().UtcTicks - reported < SilentAfter.Ticks) return;
        Interlocked.Exchange(ref lossReportedTicks, 0);
        if (lifetime.ApplicationStopping.IsCancellationRequested) return;
        foreach (var (address, (endpoint, _)) in known)
        {
            if (lostSince.ContainsKey(address) || faulted.ContainsKey(address) || restarting.ContainsKey(address)) continue;
            lostSince.TryAdd(address, new DateTimeOffset(reported, TimeSpan.Zero));
            LogSilent(address);
            faulted.TryAdd(address, new FaultedEndpoint(endpoint, clock.GetUtcNow() - RestartAfter));
        }
    }

    /// <summary>
    /// Restarts and the consumer watch run side by side, and each restart on its own: they once ran in one loop, one after
    /// the other, so four endpoints whose stops each took the whole budget held the last one (Stock's reserve-stock, the
    /// busiest) without a consumer for 16 s, and a broker that was slow to answer the watch held every restart.
    /// </summary>
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(RestartFaultedAsync(stoppingToken), WatchAsync(stoppingToken));

    private async Task RestartFaultedAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            RestartSilentEndpoints();
            foreach (var (address, fault) in faulted)
            {
                // One restart per endpoint at a time; a fault raised meanwhile waits in the list for the next tick.
                if (clock.GetUtcNow() - fault.Since < RestartAfter || !restarting.TryAdd(address, true)) continue;
                if (faulted.TryRemove(new(address, fault)))
                {
                    _ = RestartAsync(address, fault.Endpoint, stoppingToken);
                }
                else
                {
                    restarting.TryRemove(address, out _);
                }
            }
        }
    }

    private async Task WatchAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(WatchEvery, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await WatchConsumersAsync(stoppingToken);
        }
    }

    /// <summary>
    /// The last net: an endpoint whose queue has had no consumer at two watches in a row, while the broker answers this
    /// watch, is restarted whatever state it reports. After some broker kills under load an endpoint raised neither Faulted
    /// nor Completed, or stayed in a start that never finished, and consumed nothing for good; only endpoints that said
    /// "ready" were watched then, and Stock's reserve-stock sat without a consumer in CI. With replicas the count includes
    /// the other copies' consumers: a copy's loss then goes unseen here, but its queue is still consumed.
    /// </summary>
    private async Task WatchConsumersAsync(CancellationToken stoppingToken)
    {
        foreach (var (address, (endpoint, misses)) in known)
        {
            if (faulted.ContainsKey(address) || restarting.ContainsKey(address)) continue;
            var queue = address.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
            if (queue is null) continue;
            uint consumers;
            try
            {
                var channel = await WatchChannelAsync(stoppingToken);
                consumers = (await channel.QueueDeclarePassiveAsync(queue, stoppingToken).WaitAsync(WatchBudget, clock, stoppingToken)).ConsumerCount;
            }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException exception) when (exception.ShutdownReason?.ReplyCode == 404)
            {
                // The queue itself is gone (the broker lost it): no one consumes it; the endpoint declares it again as it starts.
                // The failed declare closed the channel; the next queue gets a new one.
                consumers = 0;
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // The broker is away: the endpoints' own faults cover that; look again next time. One queue's failure once
                // ended the whole round, and the queues after it in the list were never looked at.
                LogWatchFailed(exception.Message);
                // A channel whose answer never came is not asked again: the next round opens a fresh one.
                var stale = watchChannel;
                watchChannel = null;
                if (stale is not null) _ = Task.Run(stale.Dispose, CancellationToken.None);
                return;
            }

            if (consumers > 0)
            {
                known[address] = (endpoint, 0);
            }
            else if (misses + 1 < 2)
            {
                known[address] = (endpoint, misses + 1);
            }
            else
            {
                known[address] = (endpoint, 0);
                lostSince.TryAdd(address, clock.GetUtcNow());
                LogNoConsumer(address);
                faulted.TryAdd(address, new FaultedEndpoint(endpoint, clock.GetUtcNow() - RestartAfter));
            }
        }
    }

    /// <summary>
    /// The bus's own reply endpoint (<c>…_bus_…?temporary=true</c>) is never watched: auto-deleted, declared by MassTransit
    /// as it needs it, and no message of the saga goes there. Watched, its missing queue was a "miss" every round and the
    /// endpoint was restarted every few seconds for nothing; before that, its failed declare ended each round early.
    /// </summary>
    private static bool IsTemporary(Uri address) => address.Query.Contains("temporary=true", StringComparison.OrdinalIgnoreCase);

    private async Task<RabbitMQ.Client.IChannel> WatchChannelAsync(CancellationToken stoppingToken)
    {
        if (watchChannel is { IsOpen: true }) return watchChannel;
        if (watchConnection is not { IsOpen: true })
        {
            watchConnection?.Dispose();
            // Short timeouts: the client's defaults (30 s to connect, 20 s per answer) would leave the watch blind that long.
            watchConnection = await new RabbitMQ.Client.ConnectionFactory
            {
                Uri = broker.Address,
                ClientProvidedName = "consumer-watch",
                RequestedConnectionTimeout = WatchBudget,
                HandshakeContinuationTimeout = WatchBudget,
                ContinuationTimeout = WatchBudget,
                AutomaticRecoveryEnabled = false,
            }.CreateConnectionAsync(stoppingToken).WaitAsync(WatchBudget, clock, stoppingToken);
        }

        watchChannel?.Dispose();
        watchChannel = await watchConnection.CreateChannelAsync(cancellationToken: stoppingToken).WaitAsync(WatchBudget, clock, stoppingToken);
        return watchChannel;
    }

    /// <summary>
    /// Stops and starts one endpoint. The stop gets <see cref="StopBudget"/> whether or not MassTransit honours its token:
    /// a stop that overruns is left to finish on its own, and the next try finds the transport already stopping and goes
    /// straight to the start.
    /// </summary>
    private async Task RestartAsync(Uri address, IReceiveEndpoint endpoint, CancellationToken stoppingToken)
    {
        try
        {
            using var budget = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            budget.CancelAfter(StopBudget);
            var stopping = clock.GetTimestamp();
            await endpoint.Stop(budget.Token).WaitAsync(StopBudget, clock, stoppingToken);
            endpoint.Start(stoppingToken);
            LogRestarted(address, clock.GetElapsedTime(stopping).TotalMilliseconds);
        }
        catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
        {
            // Still faulted: it comes back into the list with its next fault, or at the latest with this retry. A stop that
            // overran its budget is still under way, so the next try goes straight to the start: it comes at the next tick,
            // not RestartAfter later (reserve-stock waited 2.5 s for nothing after its stop overran).
            var overran = exception is OperationCanceledException or TimeoutException;
            faulted.TryAdd(address, new FaultedEndpoint(endpoint, overran ? clock.GetUtcNow() - RestartAfter : clock.GetUtcNow()));
            LogRestartFailed(exception, address);
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
        finally
        {
            restarting.TryRemove(address, out _);
        }
    }

    public override void Dispose()
    {
        watchChannel?.Dispose();
        watchConnection?.Dispose();
        base.Dispose();
    }

    [LoggerMessage(LogLevel.Information, "Receive endpoint {Address} restarted after losing the broker (its stop took {StopMilliseconds:F0} ms)")]
    private partial void LogRestarted(Uri address, double stopMilliseconds);

    [LoggerMessage(LogLevel.Information, "Receive endpoint {Address} lost the broker: {Error}")]
    private partial void LogFaulted(Uri address, string error);

    [LoggerMessage(LogLevel.Information, "Receive endpoint {Address} stopped by itself; restarting it")]
    private partial void LogStoppedByItself(Uri address);

    [LoggerMessage(LogLevel.Information, "Receive endpoint {Address} consumes again, {Seconds:F1} s after it stopped")]
    private partial void LogConsumingAgain(Uri address, double seconds);

    [LoggerMessage(LogLevel.Information, "Receive endpoint {Address} did not report the broker lost, but its neighbours did; restarting it with them")]
    private partial void LogSilent(Uri address);

    [LoggerMessage(LogLevel.Warning, "Receive endpoint {Address}: its queue has had no consumer twice in a row; restarting it")]
    private partial void LogNoConsumer(Uri address);

    [LoggerMessage(LogLevel.Information, "Consumer watch: the broker did not answer ({Error}); looking again shortly")]
    private partial void LogWatchFailed(string error);

    [LoggerMessage(LogLevel.Warning, "Receive endpoint {Address} could not be restarted yet")]
    private partial void LogRestartFailed(Exception exception, Uri address);
}
