namespace Commerce.Contracts;

/// <summary>Hold <paramref name="Amount"/> of the user's available balance for an order.</summary>
public sealed record ReserveFunds(Guid OrderId, string UserId, long Amount);

/// <summary>The amount is held.</summary>
public sealed record FundsReserved(Guid OrderId);

/// <summary>Nothing held: <c>insufficient_funds</c>.</summary>
public sealed record FundsReservationFailed(Guid OrderId, string Reason);

/// <summary>Take the money held for the order.</summary>
public sealed record CaptureFunds(Guid OrderId);

/// <summary>Free the money held for the order (compensation).</summary>
public sealed record ReleaseFunds(Guid OrderId);
