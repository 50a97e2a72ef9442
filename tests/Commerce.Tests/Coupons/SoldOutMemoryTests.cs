using System.Net;
using System.Threading.Channels;
using StackExchange.Redis;

namespace Commerce.Tests.Coupons;

/// <summary>
/// Each Coupon process remembers a sold-out campaign (SoldOutCampaigns) and answers its refusals without Redis. The
/// memory must answer exactly what the gate would, and must not outlive a gate that changed.
/// </summary>
public sealed class SoldOutMemoryTests(SharedSystem shared) : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    /// <summary>SoldOutCampaigns.ChangedChannel: where the gate announces a campaign whose gate is rebuilt or taken down.</summary>
    private const string ChangedChannel = "coupon:gate-changed";
    private readonly CouponDriver coupons = new(shared.System);

    [Fact]
    public async Task Once_sold_out_a_holder_still_hears_409_and_everyone_else_410_however_often_they_ask()
    {
        var campaign = await coupons.CreateCampaignAsync(total: 2);
        var holders = new[] { CouponDriver.NewUserId(), CouponDriver.NewUserId() };
        foreach (var user in holders) (await coupons.IssueAsync(user, campaign.CouponId)).EnsureSuccessStatusCode();
        var late = Enumerable.Range(0, 4).Select(_ => CouponDriver.NewUserId()).ToList();

        // Enough asks that every Coupon copy answers several after it learned the campaign is sold out.
        var answers = new List<(string User, HttpStatusCode Status)>();
        for (var round = 0; round < 10; round++)
        {
            foreach (var user in holders.Concat(late))
            {
                using var response = await coupons.IssueAsync(user, campaign.CouponId);
                answers.Add((user, response.StatusCode));
            }
        }

        Assert.All(answers, answer => Assert.Equal(holders.Contains(answer.User) ? HttpStatusCode.Conflict : HttpStatusCode.Gone, answer.Status));
        Assert.Equal(holders.Order(), (await coupons.HoldersAsync(campaign.CouponId)).Order());
    }

    [Fact]
    public async Task A_gate_rebuild_is_announced_to_every_process_before_it_starts()
    {
        var campaign = await coupons.CreateCampaignAsync(total: 1);
        (await coupons.IssueAsync(CouponDriver.NewUserId(), campaign.CouponId)).EnsureSuccessStatusCode();
        var redis = await coupons.RedisAsync();
        var announced = Channel.CreateUnbounded<string>();
        var subscription = await redis.Multiplexer.GetSubscriber().SubscribeAsync(RedisChannel.Literal(ChangedChannel));
        subscription.OnMessage(message => announced.Writer.TryWrite((string)message.Message!));
        try
        {
            // The run id the gate was built on is not this server's: the next request rebuilds it.
            await redis.HashSetAsync(CouponDriver.GatePrefix(campaign.CouponId) + "meta", "runId", "0000000000000000000000000000000000000000");
            using var late = await coupons.IssueAsync(CouponDriver.NewUserId(), campaign.CouponId);

            Assert.Equal(HttpStatusCode.Gone, late.StatusCode);
            using var budget = new CancellationTokenSource(Deadline);
            while (await announced.Reader.ReadAsync(budget.Token) != campaign.CouponId.ToString("D"))
            {
                // Other tests' campaigns on the shared system announce too.
            }
        }
        finally
        {
            await subscription.UnsubscribeAsync();
        }
    }

    [Fact]
    public async Task A_sold_out_gate_that_regains_room_without_an_announcement_admits_again_within_a_second()
    {
        // Sold out by one issued coupon and one admission whose process died before its row (pending, recent, so the
        // sweeper leaves it). Then Redis loses the gate's keys by hand, which announces nothing: only the memory's
        // age bounds the refusals, and the rebuild from PostgreSQL finds room for one.
        var campaign = await coupons.CreateCampaignAsync(total: 2);
        var holder = CouponDriver.NewUserId();
        (await coupons.IssueAsync(holder, campaign.CouponId)).EnsureSuccessStatusCode();
        var ghost = CouponDriver.NewUserId();
        await coupons.PlayPendingAdmissionAsync(campaign.CouponId, ghost, admittedAgo: TimeSpan.Zero);
        var late = CouponDriver.NewUserId();
        for (var ask = 0; ask < 6; ask++)
        {
            using var refused = await coupons.IssueAsync(late, campaign.CouponId);
            Assert.Equal(HttpStatusCode.Gone, refused.StatusCode);
        }

        var redis = await coupons.RedisAsync();
        var prefix = CouponDriver.GatePrefix(campaign.CouponId);
        await redis.KeyDeleteAsync([prefix + "meta", prefix + "users", prefix + "issued", prefix + "pending"]);

        await Eventually.Until(async () =>
        {
            using var response = await coupons.IssueAsync(late, campaign.CouponId);
            return response.StatusCode;
        }, status => status == HttpStatusCode.Created, Deadline, "the late user admitted once the gate was rebuilt");
        Assert.Equal(new[] { holder, late }.Order(), (await coupons.HoldersAsync(campaign.CouponId)).Order());
    }

    public async ValueTask DisposeAsync() => await coupons.DisposeAsync();
}
