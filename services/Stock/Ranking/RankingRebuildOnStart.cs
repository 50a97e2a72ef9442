namespace Commerce.Stock.Ranking;

/// <summary>Rebuilds the ranking at start when Redis lost it, so the first reader does not pay for it.</summary>
public sealed class RankingRebuildOnStart(SalesRanking ranking, ILogger<RankingRebuildOnStart> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await ranking.EnsureBuiltAsync(stoppingToken);
        }
        catch (Exception exception) when (exception is StackExchange.Redis.RedisException or Npgsql.NpgsqlException)
        {
            // Not fatal: the next ranking read or completed order rebuilds it.
            logger.LogWarning(exception, "Could not check the ranking at start");
        }
    }
}
