using Commerce.Contracts;
using Commerce.Stock.Reservations;

namespace Commerce.UnitTests.Stock;

public sealed class ReservationPlanTests
{
    [Fact]
    public void Lines_are_taken_in_ordinal_product_order_so_two_orders_lock_products_alike()
    {
        var plan = ReservationPlan.For([new OrderLine("b", 1), new OrderLine("B", 2), new OrderLine("a-1", 3), new OrderLine("a_1", 4)]);

        Assert.Null(plan.Refusal);
        // Ordinal: '-' (0x2D) < 'B' (0x42) < '_' (0x5F) < 'b' (0x62), whatever the culture.
        Assert.Equal(["B", "a-1", "a_1", "b"], plan.Lines.Select(line => line.ProductId));
    }

    [Fact]
    public void The_same_product_twice_is_reserved_as_one_line_with_both_quantities()
    {
        var plan = ReservationPlan.For([new OrderLine("p", 2), new OrderLine("q", 1), new OrderLine("p", 3)]);

        Assert.Equal([new OrderLine("p", 5), new OrderLine("q", 1)], plan.Lines);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void A_quantity_below_one_is_refused_rather_than_putting_stock_back(int quantity)
    {
        var plan = ReservationPlan.For([new OrderLine("p", 1), new OrderLine("q", quantity)]);

        Assert.Equal("insufficient_stock", plan.Refusal);
        Assert.Empty(plan.Lines);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("semi;colon")]
    public void A_malformed_product_id_can_name_no_product(string productId)
    {
        Assert.Equal("unknown_product", ReservationPlan.For([new OrderLine(productId, 1)]).Refusal);
    }

    [Fact]
    public void An_order_with_no_lines_reserves_nothing()
    {
        Assert.Equal("unknown_product", ReservationPlan.For([]).Refusal);
        Assert.Equal("unknown_product", ReservationPlan.For(null).Refusal);
    }

    [Fact]
    public void Quantities_that_add_up_past_int_range_are_refused_not_wrapped()
    {
        var plan = ReservationPlan.For([new OrderLine("p", int.MaxValue), new OrderLine("p", 1)]);

        Assert.Equal("insufficient_stock", plan.Refusal);
    }
}
