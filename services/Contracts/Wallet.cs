namespace Commerce.Contracts;

/// <summary>Hold <paramref name="Amount"/> of the user's available balance for an order.</summary>
public sealed record ReserveFunds(Guid OrderId, string UserId, long Amount);

/// <summary>The amount is held.</summary>
public sealed record FundsReserved(Guid OrderId);

/// <summary>Nothing held: <c>insufficient_funds</c>.</summary>
public sealed record FundsReservationFailed(Guid OrderId, string Reason);

/// <summary>Take the money held for the order.</summary>
public sealed record CaptureFunds(Guid OrderId);

/// <summary>The money is taken (also the answer to a repeated <see cref="CaptureFunds"/>).</summary>
public sealed record FundsCaptured(Guid OrderId);

/// <summary>Free the money held for the order (compensation).</summary>
public sealed record ReleaseFunds(Guid OrderId);

/// <summary>Nothing of the order's money is held any more: released, or never held (also the answer to a repeat).</summary>
public sealed record FundsReleased(Guid OrderId);
