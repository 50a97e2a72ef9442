namespace Commerce.Contracts;

/// <summary>Reserve every line of an order, or none of them.</summary>
public sealed record ReserveStock(Guid OrderId, IReadOnlyList<OrderLine> Lines);

/// <summary>All lines reserved; carries the unit prices the order is charged.</summary>
public sealed record StockReserved(Guid OrderId, IReadOnlyList<PricedLine> Lines);

/// <summary>Nothing reserved: <c>insufficient_stock</c> or <c>unknown_product</c>.</summary>
public sealed record StockReservationFailed(Guid OrderId, string Reason);

/// <summary>Move the order's reserved quantities to sold.</summary>
public sealed record CommitStock(Guid OrderId);

/// <summary>The order's quantities are sold (also the answer to a repeated <see cref="CommitStock"/>).</summary>
public sealed record StockCommitted(Guid OrderId);

/// <summary>Put the order's reserved quantities back on sale (compensation).</summary>
public sealed record ReleaseStock(Guid OrderId);

/// <summary>Nothing of the order is reserved any more: released, or never reserved (also the answer to a repeat).</summary>
public sealed record StockReleased(Guid OrderId);
