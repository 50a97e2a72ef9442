using Commerce.ServiceDefaults.Errors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Commerce.Stock.Ranking;

/// <summary><c>GET /api/products/ranking?top=N</c>: the best-selling products, best first.</summary>
public static class RankingEndpoints
{
    public static IEndpointRouteBuilder MapRankingEndpoints(this IEndpointRouteBuilder app)
    {
        // A literal segment outranks /api/products/{productId}, so this is never read as a product id.
        app.MapGet("/api/products/ranking", GetRankingAsync);
        return app;
    }

    private static async Task<Results<Ok<IReadOnlyList<RankedProduct>>, ValidationProblem>> GetRankingAsync(
        string? top, SalesRanking ranking, CancellationToken cancellationToken)
    {
        if (RankingQuery.ParseTop(top) is not { } count)
        {
            return Problems.Invalid("top", $"must be a whole number from 1 to {RankingQuery.MaxTop}.");
        }

        return TypedResults.Ok(await ranking.TopAsync(count, cancellationToken));
    }
}
