namespace Commerce.Contracts;

/// <summary>
/// Take <paramref name="Amount"/> from the user's balance for an order, if it is there. There is no separate capture:
/// the money is taken at once and given back only by <see cref="ReleaseFunds"/>, the saga's compensation.
/// </summary>
public sealed record ReserveFunds(Guid OrderId, string UserId, long Amount);

/// <summary>The amount is taken.</summary>
public sealed record FundsReserved(Guid OrderId);

/// <summary>Nothing taken: <c>insufficient_funds</c>.</summary>
public sealed record FundsReservationFailed(Guid OrderId, string Reason);

/// <summary>Give the money taken for the order back (compensation).</summary>
public sealed record ReleaseFunds(Guid OrderId);

/// <summary>Nothing of the order's money is taken any more: given back, or never taken (also the answer to a repeat).</summary>
public sealed record FundsReleased(Guid OrderId);
