using System.Diagnostics;
using Commerce.Order.Telemetry;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Commerce.Order.Placing;

/// <summary>Lock settings: <c>Orders__LockScope</c> (User | Global), <c>Orders__LockWaitMilliseconds</c>, <c>Orders__LockExpirySeconds</c>.</summary>
public sealed class OrderLockOptions
{
    public OrderLockScope LockScope { get; set; } = OrderLockScope.User;
    public int LockWaitMilliseconds { get; set; } = 1000;
    public int LockExpirySeconds { get; set; } = 10;
}

/// <summary>
/// User serialises one user's order placement (the fix). Global serialises everyone's orders (the incident, for replays):
/// one lock, held from the POST until the order is final, as the incident's synchronous order code held it.
/// </summary>
public enum OrderLockScope { User, Global }

/// <summary>
/// The Redis lock that serialises what must be serialised: one user's order placement. SET NX with a random token and
/// an expiry; released only by its holder (compare-and-delete). Waits a small, bounded budget and then gives up, so
/// requests never queue unboundedly behind a lock (the incident's p95 of 30 s).
/// </summary>
/// <remarks>
/// RedLock.net is in the registry but is built against StackExchange.Redis 2.x (we run 3.x) and adds multi-server
/// quorum we do not need with one Redis; this is the small single-instance version of the same algorithm.
/// </remarks>
public sealed class PerUserOrderLock(IConnectionMultiplexer redis, IOptions<OrderLockOptions> options, OrderMetrics metrics)
{
    // Delete only if the value is still our token: a lock that expired and was taken by someone else stays theirs.
    private const string ReleaseScript = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

    /// <summary>The incident's scope holds the lock until the order is final, not only while it is placed.</summary>
    public bool HoldsUntilFinal => options.Value.LockScope == OrderLockScope.Global;

    /// <summary>How long a held lock lasts in Redis if its holder never releases it.</summary>
    public TimeSpan Expiry => TimeSpan.FromSeconds(options.Value.LockExpirySeconds);

    public async Task<HeldLock?> TryAcquireAsync(string userId, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var key = new RedisKey(settings.LockScope == OrderLockScope.Global ? "order:global" : $"order:user:{userId}");
        var token = Guid.NewGuid().ToString("N");
        var expiry = TimeSpan.FromSeconds(settings.LockExpirySeconds);
        var budget = TimeSpan.FromMilliseconds(settings.LockWaitMilliseconds);
        var database = redis.GetDatabase();
        var started = Stopwatch.GetTimestamp();
        var backoff = TimeSpan.FromMilliseconds(5);

        while (true)
        {
            if (await database.StringSetAsync(key, token, expiry, When.NotExists))
            {
                metrics.LockAcquired(Stopwatch.GetElapsedTime(started));
                return new HeldLock(database, key, token);
            }

            var waited = Stopwatch.GetElapsedTime(started);
            if (waited + backoff > budget)
            {
                metrics.LockBusy(waited);
                return null;
            }

            // Jittered, growing pauses: many waiters for one lock should not poll Redis in step.
            await Task.Delay(backoff + TimeSpan.FromMilliseconds(Random.Shared.Next(0, (int)backoff.TotalMilliseconds + 1)), cancellationToken);
            backoff = TimeSpan.FromMilliseconds(Math.Min(backoff.TotalMilliseconds * 2, 50));
        }
    }

    /// <summary>A lock we hold; disposing releases it if it is still ours.</summary>
    public sealed class HeldLock(IDatabase database, RedisKey key, string token) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() =>
            await database.ScriptEvaluateAsync(ReleaseScript, [key], [token]);
    }
}
