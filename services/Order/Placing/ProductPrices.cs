using System.Net.Http.Json;
using Microsoft.Extensions.Options;
using Commerce.Contracts;

namespace Commerce.Order.Placing;

/// <summary>
/// Reads the unit prices of an order's products from Stock (<c>GET /api/products/{id}</c>, the storefront's own read) as
/// the order is placed, so the saga knows the total at once and takes stock and money in parallel: two hops to Completed
/// instead of four. Best effort: a product Stock does not know or has too few of, a Stock that is down or slow, or an
/// order of many products, and the order goes the sequential way, where Stock prices each line as it takes it (and a
/// refusal has no money to give back: a sold-out special's orders should not take money only to return it).
/// </summary>
/// <remarks>
/// Read at placement rather than kept in a read model fed by Stock's events: Stock publishes no event when a product is
/// repriced, and a model that missed one would charge a stale price for good. An order is charged the price Stock
/// gave here, which is the product's price when the order was placed.
/// </remarks>
public sealed class ProductPrices(HttpClient stock, IOptions<PriceReadOptions> options, ILogger<ProductPrices> logger)
{
    /// <summary>One read per product, in parallel; an order of more products is priced by Stock as it takes it.</summary>
    public const int MaxProducts = 5;

    /// <summary>
    /// Every product's unit price, or null when any of them could not be read within the budget or had fewer on
    /// sale than the order wants (<see cref="PriceReadOptions.PriceReadBudgetMilliseconds"/>).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, long>?> TryReadAsync(IEnumerable<OrderLine> lines, CancellationToken cancellationToken)
    {
        var wanted = lines.GroupBy(line => line.ProductId, StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.Sum(line => (long)line.Quantity), StringComparer.Ordinal);
        if (wanted.Count > MaxProducts)
        {
            return null;
        }

        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(TimeSpan.FromMilliseconds(options.Value.PriceReadBudgetMilliseconds));
        try
        {
            var products = await Task.WhenAll(wanted.Keys.Select(id => ReadAsync(id, budget.Token)));
            return products.All(product => product is not null && product.Available >= wanted[product.ProductId])
                ? products.ToDictionary(product => product!.ProductId, product => product!.Price, StringComparer.Ordinal)
                : null;
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Down, slow, or its circuit open: the order is placed all the same and priced by the reservation.
            logger.LogDebug(exception, "Prices not read from Stock; the order is priced as Stock takes it");
            return null;
        }
    }

    private async Task<OnSale?> ReadAsync(string productId, CancellationToken cancellationToken)
    {
        using var response = await stock.GetAsync($"/api/products/{Uri.EscapeDataString(productId)}", cancellationToken);
        return response.IsSuccessStatusCode
            ? await response.Content.ReadFromJsonAsync<OnSale>(cancellationToken) is { } product && product.ProductId == productId ? product : null
            : null;
    }

    /// <summary>The part of Stock's product view an order needs.</summary>
    private sealed record OnSale(string ProductId, long Price, long Available);
}

/// <summary>Settings in the <c>Orders</c> section for reading prices at placement.</summary>
public sealed class PriceReadOptions
{
    /// <summary>
    /// Placing an order waits no longer than this for prices; the sequential way needs none. A slow read costs the order
    /// this much before it is accepted, so it is short; the end-to-end tests' shared system sets it long, so that an order
    /// there goes the parallel way whenever prices can be read, however busy the machine (a cold Stock's first read took
    /// longer than 250 ms on CI).
    /// </summary>
    public double PriceReadBudgetMilliseconds { get; set; } = 250;
}
