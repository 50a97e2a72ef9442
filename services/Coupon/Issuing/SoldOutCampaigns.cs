using System.Collections.Concurrent;
using System.Collections.Frozen;
using StackExchange.Redis;

namespace Commerce.Coupon.Issuing;

/// <summary>
/// A sold-out campaign as this process remembers it: who holds its coupons and when it is open. From it, the answers
/// the gate would give (409 to a holder, 410 to anyone else, 422 outside the window) come without asking Redis.
/// </summary>
public sealed record SoldOutSnapshot(FrozenSet<string> Holders, long StartsAtMilliseconds, long EndsAtMilliseconds, long TakenAt)
{
    /// <summary>The gate's answer, in the gate's order (window, holder, sold out).</summary>
    public IssueResult Answer(string userId, long nowMilliseconds) =>
        nowMilliseconds < StartsAtMilliseconds || nowMilliseconds >= EndsAtMilliseconds ? IssueResult.NotActive
        : Holders.Contains(userId) ? IssueResult.AlreadyIssued
        : IssueResult.SoldOut;
}

/// <summary>
/// Sold-out campaigns, remembered per process, so the thousands of refusals after a rush (10,000 users for 1,000
/// coupons: nine refusals per coupon) cost what a ping costs instead of a Redis script each.
/// </summary>
/// <remarks>
/// A sold-out gate stays sold out, holders included, until it is rebuilt: no admission happens without room, and only
/// a rebuild (Redis lost or restarted, an admission fenced out) can make room again. So the memory is dropped
/// <list type="bullet">
/// <item>when a rebuild starts or a gate is taken down: <see cref="CouponGate"/> publishes the campaign on
/// <see cref="ChangedChannel"/> from the same script, so no snapshot taken after it can be of the old gate;</item>
/// <item>when any connection to Redis fails or comes back (a restart, or messages missed while away);</item>
/// <item>after <see cref="MaxAge"/> anyway, which bounds any case the two above miss (keys deleted by hand).</item>
/// </list>
/// A snapshot that was in flight while a drop happened is not kept (the <c>generation</c> check). Written here:
/// neither Aspire's Redis integration nor StackExchange.Redis offers an invalidated local cache (Redis 6's client-side
/// caching needs RESP3 tracking, which StackExchange.Redis does not expose).
/// </remarks>
public sealed class SoldOutCampaigns(IConnectionMultiplexer redis, CouponGate gate, TimeProvider clock, ILogger<SoldOutCampaigns> logger)
    : IHostedService
{
    /// <summary>Where the gate announces, with the campaign id, that a campaign's gate is being rebuilt or was taken down.</summary>
    public const string ChangedChannel = "coupon:gate-changed";

    /// <summary>A rush reloads a campaign's holders once a second per process at most: a few KB against thousands of scripts.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<Guid, SoldOutSnapshot> campaigns = new();
    private readonly ConcurrentDictionary<Guid, byte> loading = new();
    private long generation;
    private volatile bool listening;

    /// <summary>The gate's answer from memory, or null when this process does not know the campaign as sold out.</summary>
    public IssueResult? Answer(Guid couponId, string userId)
    {
        if (!campaigns.TryGetValue(couponId, out var snapshot))
        {
            return null;
        }

        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (now - snapshot.TakenAt >= MaxAge.TotalMilliseconds)
        {
            campaigns.TryRemove(KeyValuePair.Create(couponId, snapshot));
            return null;
        }

        return snapshot.Answer(userId, now);
    }

    /// <summary>The gate just answered "sold out": take a snapshot, once per campaign at a time, without holding up the request.</summary>
    public void Remember(Guid couponId)
    {
        if (!listening || campaigns.ContainsKey(couponId) || !loading.TryAdd(couponId, 0))
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                var before = Volatile.Read(ref generation);
                var taken = await gate.SoldOutSnapshotAsync(couponId, clock.GetUtcNow().ToUnixTimeMilliseconds());
                lock (campaigns)
                {
                    if (taken is not null && generation == before) campaigns[couponId] = taken;
                }
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                // Nothing remembered: requests keep asking the gate, which is always right.
                logger.LogDebug("Coupon {CouponId}: no sold-out snapshot ({Message})", couponId, exception.Message);
            }
            finally
            {
                loading.TryRemove(couponId, out _);
            }
        });
    }

    private void Forget(Guid? couponId)
    {
        lock (campaigns)
        {
            generation++;
            if (couponId is { } one) campaigns.TryRemove(one, out _);
            else campaigns.Clear();
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        redis.ConnectionFailed += OnConnectionChanged;
        redis.ConnectionRestored += OnConnectionChanged;
        // In the background: a Redis that is away at start must not keep the service from starting (the gate answers meanwhile).
        _ = ListenAsync();
        return Task.CompletedTask;
    }

    private async Task ListenAsync()
    {
        for (var delay = TimeSpan.FromMilliseconds(100); ; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks)))
        {
            try
            {
                var channel = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(ChangedChannel));
                channel.OnMessage(message =>
                {
                    if (Guid.TryParse((string?)message.Message, out var couponId)) Forget(couponId);
                });
                // Only from here on can a snapshot be trusted: a change before the subscription would go unheard.
                listening = true;
                return;
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                logger.LogWarning("Not yet subscribed to {Channel} ({Message}); sold-out campaigns are not remembered meanwhile", ChangedChannel, exception.Message);
                await Task.Delay(delay, clock);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        listening = false;
        redis.ConnectionFailed -= OnConnectionChanged;
        redis.ConnectionRestored -= OnConnectionChanged;
        Forget(null);
        return Task.CompletedTask;
    }

    private void OnConnectionChanged(object? sender, ConnectionFailedEventArgs e) => Forget(null);
}
