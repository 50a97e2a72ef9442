using Commerce.Stock.Ranking;

namespace Commerce.UnitTests.Stock;

public sealed class RankingQueryTests
{
    [Fact]
    public void Without_top_the_ranking_shows_ten()
    {
        Assert.Equal(10, RankingQuery.ParseTop(null));
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("100", 100)]
    [InlineData("42", 42)]
    public void Top_from_1_to_100_is_taken_as_given(string top, int expected)
    {
        Assert.Equal(expected, RankingQuery.ParseTop(top));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("101")]
    [InlineData("-5")]
    [InlineData("+5")]
    [InlineData("ten")]
    [InlineData("")]
    [InlineData("5.0")]
    [InlineData("99999999999999")]
    public void Top_outside_1_to_100_or_not_a_whole_number_is_refused(string top)
    {
        Assert.Null(RankingQuery.ParseTop(top));
    }
}
