using System.Collections.Frozen;
using Commerce.Coupon.Issuing;

namespace Commerce.UnitTests.Coupons;

/// <summary>A remembered sold-out campaign answers as the gate's script would, in the script's order.</summary>
public sealed class SoldOutSnapshotTests
{
    private static readonly SoldOutSnapshot Campaign = new(new[] { "u-holder" }.ToFrozenSet(), StartsAtMilliseconds: 1_000, EndsAtMilliseconds: 2_000, TakenAt: 1_500);

    [Fact]
    public void A_holder_hears_409_and_anyone_else_410() =>
        Assert.Equal((IssueOutcome.AlreadyIssued, IssueOutcome.SoldOut),
            (Campaign.Answer("u-holder", 1_500).Outcome, Campaign.Answer("u-late", 1_500).Outcome));

    [Theory]
    [InlineData(999)]
    [InlineData(2_000)]
    public void Outside_the_window_even_a_holder_hears_422(long now) =>
        Assert.Equal(IssueOutcome.NotActive, Campaign.Answer("u-holder", now).Outcome);

    [Fact]
    public void The_window_includes_its_start() =>
        Assert.Equal(IssueOutcome.SoldOut, Campaign.Answer("u-late", 1_000).Outcome);
}
