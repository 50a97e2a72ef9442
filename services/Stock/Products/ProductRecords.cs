using Commerce.ServiceDefaults.Errors;

namespace Commerce.Stock.Products;

/// <summary>
/// A product as the storefront sees it. Orders take stock for good (<c>available</c> → <c>sold</c>), so <c>reserved</c> is
/// 0; it stays for clients of the earlier two-step stock (docs/api.md).
/// </summary>
public sealed record ProductView(string ProductId, string Name, long Price, long Available, long Reserved, long Sold);

/// <summary>The body of <c>PUT /api/admin/products/{productId}</c>: <c>stock</c> is the new available quantity.</summary>
public sealed record ProductChange(string? Name, long? Price, long? Stock)
{
    public const int MaxNameLength = 200;
    public const long MaxPrice = 1_000_000_000;
    public const long MaxStock = 1_000_000;

    /// <summary>The first field that is wrong and why, or null when the change can be applied.</summary>
    public static (string Field, string Message)? Check(string productId, ProductChange? change)
    {
        if (!Ids.IsWellFormed(productId))
        {
            return ("productId", "must be 1-64 characters of A-Z, a-z, 0-9, '_' or '-'.");
        }

        // GET /api/products/ranking is the sales ranking: a product of that id could never be read.
        if (string.Equals(productId, "ranking", StringComparison.OrdinalIgnoreCase))
        {
            return ("productId", "'ranking' is reserved.");
        }

        if (change is null)
        {
            return ("body", "a JSON body {\"name\",\"price\",\"stock\"} is required.");
        }

        if (string.IsNullOrWhiteSpace(change.Name) || change.Name.Length > MaxNameLength)
        {
            return ("name", $"must be 1-{MaxNameLength} characters and not blank.");
        }

        if (change.Price is not (>= 0 and <= MaxPrice))
        {
            return ("price", $"must be a whole number of KRW from 0 to {MaxPrice:N0}.");
        }

        if (change.Stock is not (>= 0 and <= MaxStock))
        {
            return ("stock", $"must be a whole number from 0 to {MaxStock:N0}.");
        }

        return null;
    }
}
