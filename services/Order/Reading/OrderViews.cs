using Commerce.Order.Data;

namespace Commerce.Order.Reading;

/// <summary>An order as its owner sees it (docs/api.md).</summary>
public sealed record OrderView(
    Guid OrderId,
    string Status,
    string? Reason,
    IReadOnlyList<OrderItemView> Items,
    long Subtotal,
    long Discount,
    long Total,
    Guid? CouponId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static OrderView From(OrderRecord order) => new(
        order.OrderId,
        order.Status,
        // Decided before the release is confirmed, but shown with the status it explains.
        order.Status == OrderStatus.Rejected ? order.Reason : null,
        order.Items.OrderBy(i => i.LineNumber).Select(i => new OrderItemView(i.ProductId, i.Quantity, i.UnitPrice)).ToList(),
        order.Subtotal,
        order.Discount,
        order.Total,
        order.CouponId,
        order.CreatedAt,
        order.UpdatedAt);
}

/// <summary>A line; the unit price is null until the order is priced (at placement, or when Stock takes it).</summary>
public sealed record OrderItemView(string ProductId, int Quantity, long? UnitPrice);
