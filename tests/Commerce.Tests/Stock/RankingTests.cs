using System.Net;
using System.Net.Http.Json;
using Commerce.Contracts;
using Commerce.Testing;
using StackExchange.Redis;

namespace Commerce.Tests.Stock;

/// <summary>A line of <c>GET /api/products/ranking</c>.</summary>
public sealed record RankedJson(string ProductId, string Name, long Sold);

/// <summary>
/// The sales ranking fed by OrderCompleted. The ranking is shared by the whole system, so these tests sell far more
/// than any other test to be sure to be on top, and run one at a time.
/// </summary>
[Collection(nameof(RankingTests))]
public sealed class RankingTests(SharedSystem shared) : IAsyncLifetime
{
    private readonly StockDriver stock = new(shared.System);
    private MessageBusProbe bus = null!;

    public async ValueTask InitializeAsync() => bus = await shared.System.StartBusProbeAsync();

    public async ValueTask DisposeAsync() => await bus.DisposeAsync();

    [Fact]
    public async Task Completed_orders_rank_products_best_first_with_their_names()
    {
        var best = await stock.RestockAsync(stock: 0, name: "Best seller");
        var second = await stock.RestockAsync(stock: 0, name: "Runner-up");
        var floor = await TopSoldAsync();

        await CompleteAsync(Guid.NewGuid(), (second, floor + 1_000));
        await CompleteAsync(Guid.NewGuid(), (best, floor + 1_500), (second, 100));
        await CompleteAsync(Guid.NewGuid(), (best, 600));

        var ranking = await RankingWhenAsync(lines => lines.Any(line => line.ProductId == best && line.Sold == floor + 2_100)
            && lines.Any(line => line.ProductId == second && line.Sold == floor + 1_100));
        Assert.Equal(new RankedJson(best, "Best seller", floor + 2_100), ranking[0]);
        Assert.Equal(new RankedJson(second, "Runner-up", floor + 1_100), ranking[1]);
        Assert.True(ranking.Zip(ranking.Skip(1)).All(pair => pair.First.Sold >= pair.Second.Sold));
    }

    [Fact]
    public async Task A_completed_order_delivered_twice_is_counted_once()
    {
        var productId = await stock.RestockAsync(stock: 0);
        var floor = await TopSoldAsync();
        var orderId = Guid.NewGuid();

        await CompleteAsync(orderId, (productId, floor + 500));
        await CompleteAsync(orderId, (productId, floor + 500));
        await Eventually.Until(() => DeliveriesAsync(orderId), deliveries => deliveries >= 2, StockDriver.Deadline, "the second delivery handled");

        var ranking = await RankingWhenAsync(lines => lines.Any(line => line.ProductId == productId));
        Assert.Equal(floor + 500, ranking.Single(line => line.ProductId == productId).Sold);
    }

    [Fact]
    public async Task A_ranking_Redis_lost_is_rebuilt_from_the_database()
    {
        var productId = await stock.RestockAsync(stock: 0, name: "Survivor");
        var floor = await TopSoldAsync();
        await CompleteAsync(Guid.NewGuid(), (productId, floor + 700));
        await RankingWhenAsync(lines => lines.Any(line => line.ProductId == productId));

        await using var redis = await ConnectionMultiplexer.ConnectAsync(shared.System.RedisConnectionString);
        await redis.GetDatabase().KeyDeleteAsync("ranking:sold");
        // An order completed while the set is gone must be added to the rebuilt set, not start a new one.
        await CompleteAsync(Guid.NewGuid(), (productId, 300));

        var ranking = await RankingWhenAsync(lines => lines.Any(line => line.ProductId == productId && line.Sold == floor + 1_000));
        Assert.Equal(new RankedJson(productId, "Survivor", floor + 1_000), ranking[0]);

        await redis.GetDatabase().KeyDeleteAsync("ranking:sold");
        Assert.Equal(new RankedJson(productId, "Survivor", floor + 1_000), (await RankingAsync())[0]);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("101")]
    [InlineData("ten")]
    public async Task A_top_outside_1_to_100_is_a_400_naming_top(string top)
    {
        var response = await stock.Anonymous.GetAsync($"/api/products/ranking?top={top}", TestContext.Current.CancellationToken);

        await ProductApiTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed", "top");
    }

    [Fact]
    public async Task The_ranking_shows_at_most_top_products()
    {
        await CompleteAsync(Guid.NewGuid(), (await stock.RestockAsync(stock: 0), 1), (await stock.RestockAsync(stock: 0), 2));
        await RankingWhenAsync(lines => lines.Count >= 2);

        var ranking = await stock.Anonymous.GetFromJsonAsync<List<RankedJson>>("/api/products/ranking?top=1", TestContext.Current.CancellationToken);

        Assert.Single(ranking!);
    }

    private Task CompleteAsync(Guid orderId, params (string ProductId, long Quantity)[] lines) =>
        bus.PublishAsync(new OrderCompleted(
            orderId, "u-ranking", [.. lines.Select(line => new PricedLine(line.ProductId, checked((int)line.Quantity), 1_000))], 0));

    private async Task<List<RankedJson>> RankingAsync() =>
        (await stock.Anonymous.GetFromJsonAsync<List<RankedJson>>("/api/products/ranking?top=100"))!;

    private async Task<long> TopSoldAsync() => (await RankingAsync()).Select(line => line.Sold).DefaultIfEmpty(0).Max();

    private Task<List<RankedJson>> RankingWhenAsync(Func<List<RankedJson>, bool> done) =>
        Eventually.Until(RankingAsync, done, StockDriver.Deadline, "the ranking to show the completed orders");

    private async Task<int> DeliveriesAsync(Guid orderId)
    {
        await using var connection = new Npgsql.NpgsqlConnection(shared.System.DatabaseConnectionString("stockdb"));
        await connection.OpenAsync();
        await using var read = new Npgsql.NpgsqlCommand("SELECT deliveries FROM ranking_counted WHERE order_id = @order", connection);
        read.Parameters.AddWithValue("order", orderId);
        return await read.ExecuteScalarAsync() is int deliveries ? deliveries : 0;
    }
}
