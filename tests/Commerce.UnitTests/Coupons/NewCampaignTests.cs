using Commerce.Coupon.Campaigns;

namespace Commerce.UnitTests.Coupons;

public sealed class NewCampaignTests
{
    private static readonly DateTimeOffset Noon = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(1L, 1L)]
    [InlineData(100_000_000L, 10_000_000L)]
    public void A_campaign_at_the_limits_is_accepted(long discount, long total)
    {
        Assert.Null(NewCampaign.Check(new NewCampaign("Lunch", discount, total, Noon, Noon.AddHours(1))));
        Assert.Null(NewCampaign.Check(new NewCampaign("Lunch", discount, total, null, null)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void A_blank_name_is_named(string? name)
    {
        Assert.Equal("name", NewCampaign.Check(new NewCampaign(name, 1, 1, null, null))?.Field);
    }

    [Fact]
    public void A_name_is_at_most_200_characters_once_trimmed()
    {
        Assert.Null(NewCampaign.Check(new NewCampaign("  " + new string('n', 200) + "  ", 1, 1, null, null)));
        Assert.Equal("name", NewCampaign.Check(new NewCampaign(new string('n', 201), 1, 1, null, null))?.Field);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(100_000_001L)]
    public void A_discount_outside_1_to_100_million_is_named(long? discount)
    {
        Assert.Equal("discountAmount", NewCampaign.Check(new NewCampaign("n", discount, 1, null, null))?.Field);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0L)]
    [InlineData(10_000_001L)]
    public void A_quantity_outside_1_to_10_million_is_named(long? total)
    {
        Assert.Equal("totalQuantity", NewCampaign.Check(new NewCampaign("n", 1, total, null, null))?.Field);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-60)]
    public void A_window_that_ends_before_it_starts_is_named_by_its_end(int minutes)
    {
        Assert.Equal("endsAt", NewCampaign.Check(new NewCampaign("n", 1, 1, Noon, Noon.AddMinutes(minutes)))?.Field);
    }

    [Fact]
    public void No_body_is_named_body()
    {
        Assert.Equal("body", NewCampaign.Check(null)?.Field);
    }
}
