using Commerce.ServiceDefaults.Errors;

namespace Commerce.UnitTests.Errors;

public sealed class IdsTests
{
    [Theory]
    [InlineData("u-1")]
    [InlineData("Product_42")]
    [InlineData("a")]
    public void Letters_digits_dash_and_underscore_are_well_formed(string id) => Assert.True(Ids.IsWellFormed(id));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("slash/inside")]
    [InlineData("ü")]
    public void Anything_else_is_not(string? id) => Assert.False(Ids.IsWellFormed(id));

    [Fact]
    public void Sixty_four_characters_is_the_limit()
    {
        Assert.True(Ids.IsWellFormed(new string('a', 64)));
        Assert.False(Ids.IsWellFormed(new string('a', 65)));
    }
}
