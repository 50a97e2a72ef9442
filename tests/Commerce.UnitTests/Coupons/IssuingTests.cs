using Commerce.Coupon.Issuing;
using Microsoft.Extensions.Configuration;

namespace Commerce.UnitTests.Coupons;

public sealed class IssuingTests
{
    [Fact]
    public void A_campaigns_gate_keys_share_one_hash_tag()
    {
        var couponId = Guid.Parse("0b6c1d5e-2f3a-4b5c-8d9e-0f1a2b3c4d5e");

        var keys = GateKeys.For(couponId);

        var tag = "{0b6c1d5e-2f3a-4b5c-8d9e-0f1a2b3c4d5e}";
        Assert.Equal($"coupon:{tag}:meta", (string?)keys.Meta);
        Assert.All(new[] { keys.Users, keys.Issued, keys.Pending, keys.Building }, key => Assert.Contains(tag, (string?)key));
        Assert.Equal(5, new[] { keys.Meta, keys.Users, keys.Issued, keys.Pending, keys.Building }.Distinct().Count());
    }

    [Theory]
    [InlineData(null, IssueStrategy.Redis)]
    [InlineData("Redis", IssueStrategy.Redis)]
    [InlineData("dblock", IssueStrategy.DbLock)]
    public void The_issue_strategy_defaults_to_the_gate(string? setting, IssueStrategy strategy)
    {
        Assert.Equal(strategy, CouponOptions.From(Configuration(("Coupons:IssueStrategy", setting))).IssueStrategy);
    }

    [Theory]
    [InlineData("Global")]
    [InlineData("7")]
    public void An_unknown_strategy_stops_the_service_at_start(string setting)
    {
        Assert.Throws<InvalidOperationException>(() => CouponOptions.From(Configuration(("Coupons:IssueStrategy", setting))));
    }

    [Fact]
    public void The_sweeper_waits_two_minutes_unless_told_otherwise()
    {
        Assert.Equal(TimeSpan.FromMinutes(2), CouponOptions.From(Configuration()).PendingGrace);
        Assert.Equal(TimeSpan.FromSeconds(10), CouponOptions.From(Configuration(("Coupons:PendingGraceSeconds", "10"))).PendingGrace);
    }

    [Theory]
    [InlineData(IssueOutcome.Issued, "issued")]
    [InlineData(IssueOutcome.AlreadyIssued, "already_issued")]
    [InlineData(IssueOutcome.SoldOut, "sold_out")]
    [InlineData(IssueOutcome.NotActive, "not_active")]
    [InlineData(IssueOutcome.NotFound, "not_found")]
    [InlineData(IssueOutcome.Unavailable, "unavailable")]
    public void Each_outcome_has_a_stable_metric_tag(IssueOutcome outcome, string tag)
    {
        Assert.Equal(tag, IssueOutcomes.Tag(outcome));
    }

    private static IConfiguration Configuration(params (string Key, string? Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();
}
