using System.Threading.RateLimiting;
using Commerce.Gateway.Traffic;
using Microsoft.Extensions.Time.Testing;

namespace Commerce.UnitTests.Gateway;

public sealed class FixedWindowPerCallerTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider time = new();

    // The resource is the caller's name; "-" stands for a request that is not limited.
    private FixedWindowPerCaller<string> Limiter(int permits) =>
        new(caller => caller == "-" ? null : caller, permits, Window, time);

    [Fact]
    public void A_caller_gets_the_permit_limit_per_window_and_then_a_retry_after_until_the_window_ends()
    {
        using var limiter = Limiter(permits: 3);

        Assert.All(Enumerable.Range(0, 3), _ => Assert.True(limiter.AttemptAcquire("alice").IsAcquired));
        time.Advance(TimeSpan.FromSeconds(4));
        var refused = limiter.AttemptAcquire("alice");

        Assert.False(refused.IsAcquired);
        Assert.True(refused.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(6), retryAfter);
        Assert.Equal(0, limiter.GetStatistics("alice")!.CurrentAvailablePermits);
    }

    [Fact]
    public void A_new_window_starts_when_the_caller_asks_after_the_old_one_ended()
    {
        using var limiter = Limiter(permits: 2);
        limiter.AttemptAcquire("alice");
        limiter.AttemptAcquire("alice");

        time.Advance(Window - TimeSpan.FromTicks(1));
        Assert.False(limiter.AttemptAcquire("alice").IsAcquired);
        time.Advance(TimeSpan.FromTicks(1));

        Assert.True(limiter.AttemptAcquire("alice").IsAcquired);
        Assert.True(limiter.AttemptAcquire("alice").IsAcquired);
        Assert.False(limiter.AttemptAcquire("alice").IsAcquired);
    }

    [Fact]
    public void Callers_do_not_share_permits_and_unlimited_requests_always_pass()
    {
        using var limiter = Limiter(permits: 1);

        Assert.True(limiter.AttemptAcquire("alice").IsAcquired);
        Assert.False(limiter.AttemptAcquire("alice").IsAcquired);
        Assert.True(limiter.AttemptAcquire("bob").IsAcquired);
        Assert.All(Enumerable.Range(0, 10), _ => Assert.True(limiter.AttemptAcquire("-").IsAcquired));
        Assert.Null(limiter.GetStatistics("-"));
    }

    [Fact]
    public async Task Waiting_for_a_permit_is_refused_at_once_when_none_is_left()
    {
        using var limiter = Limiter(permits: 1);
        Assert.True((await limiter.AcquireAsync("alice", cancellationToken: TestContext.Current.CancellationToken)).IsAcquired);

        Assert.False((await limiter.AcquireAsync("alice", cancellationToken: TestContext.Current.CancellationToken)).IsAcquired);
    }

    [Fact]
    public void Callers_whose_window_ended_are_forgotten_once_per_window_and_start_afresh()
    {
        using var limiter = Limiter(permits: 1);
        limiter.AttemptAcquire("alice");
        time.Advance(TimeSpan.FromSeconds(5));
        limiter.AttemptAcquire("bob");
        Assert.Equal(2, limiter.RememberedCallers);

        // The sweep at 10 s: alice's window (0–10 s) has ended, bob's (5–15 s) has not.
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(1, limiter.RememberedCallers);
        Assert.False(limiter.AttemptAcquire("bob").IsAcquired);
        Assert.True(limiter.AttemptAcquire("alice").IsAcquired);

        time.Advance(Window);
        Assert.Equal(0, limiter.RememberedCallers);
    }

    [Fact]
    public void Concurrent_requests_of_one_caller_never_get_more_than_the_limit()
    {
        using var limiter = Limiter(permits: 1_000);
        var granted = 0;

        Parallel.For(0, 5_000, _ =>
        {
            if (limiter.AttemptAcquire("alice").IsAcquired)
            {
                Interlocked.Increment(ref granted);
            }
        });

        Assert.Equal(1_000, granted);
    }
}
