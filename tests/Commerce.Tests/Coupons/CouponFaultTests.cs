using Commerce.Tests.Systems;
using System.Net;

namespace Commerce.Tests.Coupons;

/// <summary>A 201 is a promise kept through kill -9 of the service and a restart of Redis, and the quantity is never exceeded.</summary>
[Collection(nameof(FaultSystem))]
public sealed class CouponFaultTests(FaultSystem faults) : IAsyncDisposable
{
    private const int Total = 600;
    private const int Users = 1_500;

    private readonly CouponDriver coupons = new(faults.System);

    [Theory]
    [InlineData("coupon")]
    [InlineData("redis")]
    public async Task Killing_mid_rush_keeps_every_201_and_never_issues_more_than_the_quantity(string victim)
    {
        var campaign = await coupons.CreateCampaignAsync(total: Total);
        var run = Guid.NewGuid().ToString("N")[..8];
        var users = Enumerable.Range(0, Users).Select(i => $"{victim}-{run}-{i}").ToList();
        var answered = 0;

        var rush = coupons.RushAsync(campaign.CouponId, users, concurrency: 20, budget: TimeSpan.FromMinutes(3),
            answered: () => Interlocked.Increment(ref answered));
        await Eventually.Until(() => Task.FromResult(Volatile.Read(ref answered) >= Total / 4), TimeSpan.FromMinutes(1),
            "a quarter of the coupons asked for");
        var answeredAtKill = Volatile.Read(ref answered);
        await faults.System.KillAsync(victim);
        var result = await rush;
        TestContext.Current.TestOutputHelper?.WriteLine($"kill {victim} after {answeredAtKill} of {Users} answered: {result}");

        Assert.True(answeredAtKill < Total, $"the kill came after the campaign sold out ({answeredAtKill} answered)");
        Assert.Equal(Users, result.Answers.Count);
        if (victim == "redis")
        {
            // The restarted Redis got a gate rebuilt from PostgreSQL (a new epoch), not the one its AOF replayed.
            Assert.True(await coupons.ScalarAsync<long>("SELECT gate_epoch FROM coupons WHERE id = @id", ("id", campaign.CouponId)) >= 2);
        }
        // A killed Coupon copy cuts off the requests it was serving only if DCP's proxy had given it any: the proxy places
        // whole connections, and the Gateway's pooled ones sometimes all sat on the other copies (CI: 0 failed tries). The
        // kill within the rush is what this test needs (asserted above); the invariants below are what it proves.

        var winners = result.With(HttpStatusCode.Created);
        var holders = await Eventually.Until(() => coupons.HoldersAsync(campaign.CouponId), rows => rows.Count == Total,
            CouponDriver.Deadline, $"all {Total} coupons held in PostgreSQL (admissions cut off by the kill recorded); {result}");
        Assert.Equal(holders.Count, holders.Distinct().Count());
        // Every 201 is in PostgreSQL and in the user's list; a user told 409 holds it too (their first answer was lost).
        Assert.Empty(winners.Except(holders));
        Assert.Equal(holders.Order(), result.Answers.Where(a => a.Value is HttpStatusCode.Created or HttpStatusCode.Conflict).Select(a => a.Key).Order());
        Assert.Equal(Users - Total, result.With(HttpStatusCode.Gone).Count);
        var lists = await Task.WhenAll(winners.Take(200).Select(coupons.MineAsync));
        Assert.All(lists, mine => Assert.Contains(mine, coupon => coupon.CouponId == campaign.CouponId));
        Assert.Equal(new GateState(Total, Total, 0), await Eventually.Until(() => coupons.GateAsync(campaign.CouponId),
            gate => gate.Pending == 0, CouponDriver.Deadline, "the gate settled"));
        var after = await coupons.CampaignAsync(campaign.CouponId);
        Assert.Equal((Total, 0L), ((int)after.Issued, after.Remaining));
    }

    public async ValueTask DisposeAsync() => await coupons.DisposeAsync();
}
