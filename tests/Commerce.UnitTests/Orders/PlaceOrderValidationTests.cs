using Commerce.Order.Placing;

namespace Commerce.UnitTests.Orders;

public sealed class PlaceOrderValidationTests
{
    private static PlaceOrderRequest Request(params (string? ProductId, int Quantity)[] items) =>
        new(items.Select(i => new PlaceOrderItem(i.ProductId, i.Quantity)).ToList(), null);

    [Fact]
    public void A_good_request_has_no_problem() =>
        Assert.Null(PlaceOrderValidation.FirstProblem(Request(("kimbap", 2), ("ramen", 1000)), "key-1"));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void A_missing_idempotency_key_names_the_header(string? key) =>
        Assert.Equal("Idempotency-Key", PlaceOrderValidation.FirstProblem(Request(("kimbap", 1)), key)?.Field);

    [Fact]
    public void No_items_or_too_many_names_items()
    {
        Assert.Equal("items", PlaceOrderValidation.FirstProblem(Request(), "k")?.Field);
        Assert.Equal("items", PlaceOrderValidation.FirstProblem(new PlaceOrderRequest(null, null), "k")?.Field);
        var fiftyOne = Enumerable.Range(0, 51).Select(i => ((string?)$"p{i}", 1)).ToArray();
        Assert.Equal("items", PlaceOrderValidation.FirstProblem(Request(fiftyOne), "k")?.Field);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(1001)]
    public void A_quantity_out_of_range_names_the_line(int quantity) =>
        Assert.Equal("items[1].quantity", PlaceOrderValidation.FirstProblem(Request(("a", 1), ("b", quantity)), "k")?.Field);

    [Theory]
    [InlineData(null)]
    [InlineData("has space")]
    public void A_malformed_product_id_names_the_line(string? productId) =>
        Assert.Equal("items[0].productId", PlaceOrderValidation.FirstProblem(Request((productId, 1)), "k")?.Field);

    [Fact]
    public void A_product_twice_is_refused() =>
        Assert.Equal("items[1].productId", PlaceOrderValidation.FirstProblem(Request(("a", 1), ("a", 2)), "k")?.Field);

    [Fact]
    public void The_fingerprint_ignores_line_order_but_not_quantities_or_coupon()
    {
        var one = PlaceOrderValidation.Fingerprint(Request(("a", 1), ("b", 2)));
        Assert.Equal(one, PlaceOrderValidation.Fingerprint(Request(("b", 2), ("a", 1))));
        Assert.NotEqual(one, PlaceOrderValidation.Fingerprint(Request(("a", 1), ("b", 3))));
        Assert.NotEqual(one, PlaceOrderValidation.Fingerprint(Request(("a", 1), ("b", 2)) with { CouponId = Guid.NewGuid() }));
    }
}
