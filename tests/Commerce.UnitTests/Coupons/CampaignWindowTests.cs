using Commerce.Coupon.Campaigns;

namespace Commerce.UnitTests.Coupons;

public sealed class CampaignWindowTests
{
    private static readonly DateTimeOffset Noon = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_window_includes_its_start_and_excludes_its_end()
    {
        var window = new CampaignWindow(Noon, Noon.AddHours(1));

        Assert.False(window.IsOpenAt(Noon.AddTicks(-1)));
        Assert.True(window.IsOpenAt(Noon));
        Assert.True(window.IsOpenAt(Noon.AddHours(1).AddTicks(-1)));
        Assert.False(window.IsOpenAt(Noon.AddHours(1)));
    }

    [Fact]
    public void A_missing_end_is_open_forever_and_a_missing_start_since_always()
    {
        Assert.True(new CampaignWindow(null, null).IsOpenAt(DateTimeOffset.MaxValue));
        Assert.True(new CampaignWindow(null, Noon).IsOpenAt(DateTimeOffset.MinValue));
        Assert.False(new CampaignWindow(Noon, null).IsOpenAt(Noon.AddDays(-1)));
    }

    [Fact]
    public void The_gate_gets_unix_milliseconds_with_the_open_ends_filled_in()
    {
        var window = new CampaignWindow(null, null);

        Assert.Equal(0, window.StartsAtMilliseconds);
        Assert.Equal(CampaignWindow.OpenEndMilliseconds, window.EndsAtMilliseconds);
        Assert.Equal(9999, DateTimeOffset.FromUnixTimeMilliseconds(CampaignWindow.OpenEndMilliseconds).Year);
        // A Lua number (a double) holds it exactly, so the script compares it without rounding.
        Assert.Equal(CampaignWindow.OpenEndMilliseconds, (long)(double)CampaignWindow.OpenEndMilliseconds);
        Assert.Equal(Noon.ToUnixTimeMilliseconds(), new CampaignWindow(Noon, null).StartsAtMilliseconds);
    }
}
