using Commerce.Tests.Systems;
using System.Net;

namespace Commerce.Tests.Coupons;

/// <summary>
/// The incident's load, scaled to a test: many users at once for few coupons. The same scenarios run against the Redis
/// gate (the shared system) and the DbLock replay (a system of its own); the answers and the guarantees must be equal.
/// </summary>
public abstract class IssueRushScenarios(CommerceSystem system) : IAsyncDisposable
{
    protected CouponDriver Coupons { get; } = new(system);

    /// <summary>Whether this system issues through the Redis gate (whose state is then checked too).</summary>
    protected abstract bool UsesGate { get; }

    [Fact]
    public async Task Two_thousand_users_rushing_for_a_hundred_coupons_get_exactly_a_hundred()
    {
        var campaign = await Coupons.CreateCampaignAsync(total: 100);
        var run = Guid.NewGuid().ToString("N")[..8];
        var users = Enumerable.Range(0, 2_000).Select(i => $"rush-{run}-{i}").ToList();

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var rush = await Coupons.RushAsync(campaign.CouponId, users);
        TestContext.Current.TestOutputHelper?.WriteLine($"{GetType().Name}: {rush} in {clock.Elapsed.TotalSeconds:F1} s");

        var winners = rush.With(HttpStatusCode.Created);
        Assert.True(winners.Count == 100, $"Expected 100 coupons issued; {rush}");
        Assert.Equal(1_900, rush.With(HttpStatusCode.Gone).Count);
        Assert.Equal(winners.Order(), (await Coupons.HoldersAsync(campaign.CouponId)).Order());
        var after = await Coupons.CampaignAsync(campaign.CouponId);
        Assert.Equal((100L, 0L), (after.Issued, after.Remaining));
        if (UsesGate)
        {
            // The gate answered every request itself: nobody had to ask twice.
            Assert.True(rush.FailedTries == 0, $"Every request should have been answered the first time; {rush}\n"
                + system.LogLines(10, "answered 50", "ms (", "issue for"));
            await Eventually.Until(() => Coupons.GateAsync(campaign.CouponId), gate => gate == new GateState(100, 100, 0),
                CouponDriver.Deadline, "the gate to count 100 issued and nothing pending");
        }
    }

    [Fact]
    public async Task One_user_asking_fifty_times_at_once_gets_one_coupon()
    {
        var campaign = await Coupons.CreateCampaignAsync(total: 10);
        var userId = CouponDriver.NewUserId();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var requests = Enumerable.Range(0, 50).Select(_ => Task.Run(async () =>
        {
            await start.Task;
            using var response = await Coupons.IssueAsync(userId, campaign.CouponId);
            return response.StatusCode;
        })).ToList();
        start.SetResult();
        var answers = await Task.WhenAll(requests);

        Assert.Equal(1, answers.Count(status => status == HttpStatusCode.Created));
        Assert.Equal(49, answers.Count(status => status == HttpStatusCode.Conflict));
        Assert.Equal([userId], await Coupons.HoldersAsync(campaign.CouponId));
        Assert.Equal(1, (await Coupons.CampaignAsync(campaign.CouponId)).Issued);
        Assert.Single(await Coupons.MineAsync(userId), coupon => coupon.CouponId == campaign.CouponId && coupon.Status == "Issued");
        if (UsesGate)
        {
            await Eventually.Until(() => Coupons.GateAsync(campaign.CouponId), gate => gate == new GateState(1, 1, 0),
                CouponDriver.Deadline, "the gate to count one issue and nothing pending");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Coupons.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}

/// <summary>The rush through the Redis gate, on the shared system.</summary>
public sealed class RedisGateRushTests(SharedSystem shared) : IssueRushScenarios(shared.System)
{
    protected override bool UsesGate => true;
}

/// <summary>
/// The rush under the campaign row lock (the switched system's <c>Coupons__IssueStrategy=DbLock</c>): slower, the same
/// answers. It runs alone, after the parallel tests (see <see cref="SwitchedSystem"/>).
/// </summary>
[Collection(nameof(SwitchedSystem))]
public sealed class DbLockRushTests(SwitchedSystem switched) : IssueRushScenarios(switched.System)
{
    protected override bool UsesGate => false;
}
