namespace Commerce.Contracts;

/// <summary>One product and how many of it an order asks for.</summary>
public sealed record OrderLine(string ProductId, int Quantity);

/// <summary>An order line with the unit price Stock charged when it reserved it.</summary>
public sealed record PricedLine(string ProductId, int Quantity, long UnitPrice);

/// <summary>Published by Order when its saga completes: stock is sold and money captured.</summary>
public sealed record OrderCompleted(Guid OrderId, string UserId, IReadOnlyList<PricedLine> Lines, long Total);

/// <summary>Published by Order when its saga is rejected, after every participant confirmed its compensation.</summary>
public sealed record OrderRejected(Guid OrderId, string UserId, string Reason);

/// <summary>The reason codes a Rejected order carries (docs/api.md).</summary>
public static class RejectionReasons
{
    public const string InsufficientStock = "insufficient_stock";
    public const string UnknownProduct = "unknown_product";
    public const string InsufficientFunds = "insufficient_funds";
    public const string CouponNotOwned = "coupon_not_owned";
    public const string CouponAlreadyUsed = "coupon_already_used";
    public const string CouponNotActive = "coupon_not_active";
    public const string Timeout = "timeout";
}
