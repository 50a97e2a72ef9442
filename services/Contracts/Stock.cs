namespace Commerce.Contracts;

/// <summary>
/// Take every line of an order for good (on sale → sold), or none of them. There is no separate commit: a take is
/// undone only by <see cref="ReleaseStock"/>, the saga's compensation.
/// </summary>
public sealed record ReserveStock(Guid OrderId, IReadOnlyList<OrderLine> Lines);

/// <summary>All lines taken; carries the unit prices the order is charged.</summary>
public sealed record StockReserved(Guid OrderId, IReadOnlyList<PricedLine> Lines);

/// <summary>Nothing taken: <c>insufficient_stock</c> or <c>unknown_product</c>.</summary>
public sealed record StockReservationFailed(Guid OrderId, string Reason);

/// <summary>Put the order's quantities back on sale (compensation).</summary>
public sealed record ReleaseStock(Guid OrderId);

/// <summary>Nothing of the order is taken any more: released, or never taken (also the answer to a repeat).</summary>
public sealed record StockReleased(Guid OrderId);
