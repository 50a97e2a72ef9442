using Commerce.Notification.Notifications;

namespace Commerce.UnitTests.Notifications;

public sealed class NotificationQueryTests
{
    [Fact]
    public void Without_limit_the_list_shows_twenty()
    {
        Assert.Equal(20, NotificationQuery.ParseLimit(null));
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("100", 100)]
    [InlineData("37", 37)]
    public void A_limit_from_1_to_100_is_taken_as_given(string limit, int expected)
    {
        Assert.Equal(expected, NotificationQuery.ParseLimit(limit));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("101")]
    [InlineData("-1")]
    [InlineData("+5")]
    [InlineData(" 5")]
    [InlineData("twenty")]
    [InlineData("")]
    [InlineData("5.0")]
    [InlineData("99999999999999")]
    public void Any_other_limit_is_refused(string limit)
    {
        Assert.Null(NotificationQuery.ParseLimit(limit));
    }
}
