using Commerce.Stock.Products;

namespace Commerce.UnitTests.Stock;

public sealed class ProductChangeTests
{
    private static readonly ProductChange Valid = new("Kimbap", 3_500, 50);

    [Fact]
    public void A_complete_change_within_bounds_is_accepted()
    {
        Assert.Null(ProductChange.Check("p-1", Valid));
        Assert.Null(ProductChange.Check("p-1", new ProductChange(new string('n', 200), 0, 0)));
        Assert.Null(ProductChange.Check("p-1", new ProductChange("n", 1_000_000_000, 1_000_000)));
    }

    [Theory]
    [InlineData("ranking")]
    [InlineData("Ranking")]
    public void Ranking_cannot_be_a_product_id_because_its_route_is_the_sales_ranking(string productId)
    {
        Assert.Equal("productId", ProductChange.Check(productId, Valid)?.Field);
    }

    [Theory]
    [InlineData("")]
    [InlineData("with space")]
    [InlineData("é")]
    public void A_malformed_product_id_is_named(string productId)
    {
        Assert.Equal("productId", ProductChange.Check(productId, Valid)?.Field);
    }

    [Fact]
    public void A_product_id_of_65_characters_is_too_long()
    {
        Assert.Equal("productId", ProductChange.Check(new string('p', 65), Valid)?.Field);
        Assert.Null(ProductChange.Check(new string('p', 64), Valid));
    }

    [Fact]
    public void A_missing_body_is_named()
    {
        Assert.Equal("body", ProductChange.Check("p-1", null)?.Field);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void A_missing_or_blank_name_is_named(string? name)
    {
        Assert.Equal("name", ProductChange.Check("p-1", Valid with { Name = name })?.Field);
    }

    [Fact]
    public void A_name_over_200_characters_is_named()
    {
        Assert.Equal("name", ProductChange.Check("p-1", Valid with { Name = new string('n', 201) })?.Field);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(-1L)]
    [InlineData(1_000_000_001L)]
    public void A_price_outside_0_to_a_billion_is_named(long? price)
    {
        Assert.Equal("price", ProductChange.Check("p-1", Valid with { Price = price })?.Field);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(-1L)]
    [InlineData(1_000_001L)]
    public void A_stock_outside_0_to_a_million_is_named(long? stock)
    {
        Assert.Equal("stock", ProductChange.Check("p-1", Valid with { Stock = stock })?.Field);
    }
}
