using System.Net.Http.Json;
using Commerce.Testing;
using Npgsql;

namespace Commerce.Tests.Stock;

/// <summary>A product as <c>GET /api/products/{productId}</c> shows it.</summary>
public sealed record ProductJson(string ProductId, string Name, long Price, long Available, long Reserved, long Sold);

/// <summary>What stockdb says about one product: its quantities and everything ever restocked.</summary>
public sealed record ProductBooks(long Available, long Reserved, long Sold, long Restocked)
{
    /// <summary>No unit appears or vanishes: each is on sale or sold (<c>reserved</c> is 0 since orders take for good).</summary>
    public bool Balances => Available + Reserved + Sold == Restocked && Available >= 0 && Reserved >= 0 && Sold >= 0;
}

/// <summary>How a saga step of one order ended in stockdb, and how many times its message arrived.</summary>
public sealed record StepRow(string Outcome, int Deliveries);

/// <summary>Drives the Stock service for the tests: products through the Gateway, checks on its database.</summary>
public sealed class StockDriver(CommerceSystem system)
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public HttpClient Admin { get; } = system.CreateClient("stock-admin", "admin");

    public HttpClient Anonymous { get; } = system.CreateClient();

    public static string NewProductId() => $"p-{Guid.NewGuid():N}";

    /// <summary>Creates (or changes) a product through the admin API and returns its id.</summary>
    public async Task<string> RestockAsync(long stock, long price = 1_000, string? productId = null, string? name = null)
    {
        productId ??= NewProductId();
        var response = await Admin.PutAsJsonAsync(
            $"/api/admin/products/{productId}", new { name = name ?? $"Product {productId}", price, stock });
        response.EnsureSuccessStatusCode();
        return productId;
    }

    public async Task<ProductJson> ProductAsync(string productId) =>
        (await Anonymous.GetFromJsonAsync<ProductJson>($"/api/products/{productId}"))!;

    public async Task<ProductBooks> BooksAsync(string productId)
    {
        await using var connection = await OpenAsync();
        await using var read = new NpgsqlCommand(
            """
            SELECT available, reserved, sold,
                   (SELECT coalesce(sum(quantity), 0)::bigint FROM stock_movements m
                    WHERE m.product_id = p.product_id AND m.kind = 'restock')
            FROM products p WHERE product_id = @id
            """, connection);
        read.Parameters.AddWithValue("id", productId);
        await using var reader = await read.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"product {productId} is not in stockdb");
        return new ProductBooks(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    public async Task<StepRow?> StepAsync(Guid orderId, string kind)
    {
        await using var connection = await OpenAsync();
        await using var read = new NpgsqlCommand(
            "SELECT outcome, deliveries FROM stock_steps WHERE order_id = @order AND kind = @kind", connection);
        read.Parameters.AddWithValue("order", orderId);
        read.Parameters.AddWithValue("kind", kind);
        await using var reader = await read.ExecuteReaderAsync();
        return await reader.ReadAsync() ? new StepRow(reader.GetString(0), reader.GetInt32(1)) : null;
    }

    /// <summary>Waits until the step's message has arrived <paramref name="deliveries"/> times and was handled.</summary>
    public Task<StepRow?> StepHandledAsync(Guid orderId, string kind, int deliveries = 1) =>
        Eventually.Until(
            () => StepAsync(orderId, kind),
            step => step is not null && step.Deliveries >= deliveries,
            Deadline,
            $"{kind} of order {orderId} handled {deliveries} time(s)");

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(system.DatabaseConnectionString("stockdb"));
        await connection.OpenAsync();
        return connection;
    }
}
