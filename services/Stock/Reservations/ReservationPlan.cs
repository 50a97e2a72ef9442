using Commerce.Contracts;
using Commerce.ServiceDefaults.Errors;

namespace Commerce.Stock.Reservations;

/// <summary>
/// An order's lines as the ledger takes them: one per product, in ordinal product-id order (the one fixed order
/// every transaction locks products in, so two reservations can never deadlock), or the reason none can be reserved.
/// </summary>
public sealed record ReservationPlan(IReadOnlyList<OrderLine> Lines, string? Refusal)
{
    public static ReservationPlan For(IReadOnlyList<OrderLine>? lines)
    {
        if (lines is null || lines.Count == 0 || lines.Any(line => line is null || !Ids.IsWellFormed(line.ProductId)))
        {
            // Nothing (or a malformed id) can name a product that exists.
            return new([], StockOutcomes.UnknownProduct);
        }

        if (lines.Any(line => line.Quantity < 1))
        {
            // A zero or negative quantity would put stock back on sale; the saga never sends one.
            return new([], StockOutcomes.InsufficientStock);
        }

        var merged = lines
            .GroupBy(line => line.ProductId, StringComparer.Ordinal)
            .Select(group => (ProductId: group.Key, Quantity: group.Sum(line => (long)line.Quantity)))
            .OrderBy(line => line.ProductId, StringComparer.Ordinal)
            .ToList();
        if (merged.Any(line => line.Quantity > int.MaxValue))
        {
            return new([], StockOutcomes.InsufficientStock);
        }

        return new([.. merged.Select(line => new OrderLine(line.ProductId, (int)line.Quantity))], null);
    }
}

/// <summary>The outcomes a reservation is recorded and measured with; the failures are the saga's reason codes.</summary>
public static class StockOutcomes
{
    public const string Reserved = "reserved";
    public const string InsufficientStock = Commerce.Contracts.RejectionReasons.InsufficientStock;
    public const string UnknownProduct = Commerce.Contracts.RejectionReasons.UnknownProduct;
    public const string Duplicate = "duplicate";
}
