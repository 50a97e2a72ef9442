using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace Commerce.ServiceDefaults.Data;

public static class RedisRegistration
{
    /// <summary>
    /// How often an idle connection is pinged (StackExchange.Redis's default is 60 s); why: <see cref="AddServiceRedis"/>.
    /// </summary>
    public const int KeepAliveSeconds = 5;

    /// <summary>
    /// <c>ConnectionStrings__redis</c> through Aspire's client integration: connected as the service starts, idle
    /// connections pinged every <see cref="KeepAliveSeconds"/>, and sockets read and written on StackExchange.Redis's own
    /// threads (<see cref="SocketManager.Shared"/>) rather than the .NET thread pool (its default on .NET 6+).
    /// </summary>
    /// <remarks>
    /// Why, from GlobalLockTests on a fresh system (three Order copies, forty orders at once; it failed once in CI):
    /// <list type="bullet">
    /// <item>Aspire's multiplexer connects synchronously the first time it is resolved, which could be the first order:
    /// the requests behind it held pool threads (WORKER Busy=10–19, Min=2) and one connect gave up after 5 s
    /// ("UnableToConnect"). It is resolved at start now.</item>
    /// <item>The 503s themselves came from the client's dead-socket rule (<c>PhysicalBridge.OnHeartbeat</c>, 2.13.17): one
    /// timed-out command on a connection with no reply read for 4 × the 5 s timeout fails every command on it. A
    /// connection quiet since the start met that rule at the first orders ("Dead socket detected, no reads in 30 seconds
    /// with 1 timeouts"), and the lock commands waiting on it answered 503 (1 fresh run in 2 as it was; 2 in 3 with the
    /// connect at start and the dedicated threads; 2.13.23 the same). Pinged every 5 s, a live connection always has a
    /// recent reply: 0 in 3 runs.</item>
    /// </list>
    /// </remarks>
    public static IHostApplicationBuilder AddServiceRedis(this IHostApplicationBuilder builder)
    {
        builder.AddRedisClient("redis", configureOptions: options =>
        {
            options.SocketManager = SocketManager.Shared;
            options.KeepAlive = KeepAliveSeconds;
        });
        builder.Services.AddHostedService<ConnectRedisOnStart>();
        return builder;
    }

    /// <summary>Resolves the multiplexer (Aspire's factory connects it) before the service takes requests.</summary>
    private sealed class ConnectRedisOnStart(IServiceProvider services) : IHostedLifecycleService
    {
        public Task StartingAsync(CancellationToken cancellationToken)
        {
            // A Redis that is not up yet does not stop the start: Aspire's options do not abort on a failed connect, and
            // the multiplexer keeps reconnecting in the background.
            services.GetRequiredService<IConnectionMultiplexer>();
            return Task.CompletedTask;
        }

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
