using System.Data.Common;
using Npgsql;

namespace Commerce.Stock.Products;

/// <summary>Reads products; every change goes through <c>StockLedger</c>.</summary>
public sealed class ProductCatalog(NpgsqlDataSource db)
{
    public async Task<ProductView?> FindAsync(string productId, CancellationToken cancellationToken)
    {
        await using var find = db.CreateCommand(
            "SELECT product_id, name, price, available, reserved, sold FROM products WHERE product_id = @id");
        find.Parameters.AddWithValue("id", productId);
        await using var reader = await find.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>Names of the given products; ids with no product are left out.</summary>
    public async Task<Dictionary<string, string>> NamesAsync(IReadOnlyCollection<string> productIds, CancellationToken cancellationToken)
    {
        await using var names = db.CreateCommand("SELECT product_id, name FROM products WHERE product_id = ANY(@ids)");
        names.Parameters.AddWithValue("ids", productIds.ToArray());
        await using var reader = await names.ExecuteReaderAsync(cancellationToken);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            result[reader.GetString(0)] = reader.GetString(1);
        }

        return result;
    }

    /// <summary>Reads a row of (product_id, name, price, available, reserved, sold).</summary>
    internal static ProductView Read(DbDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5));
}
