using Commerce.Order.Telemetry;
using Npgsql;

namespace Commerce.Order.Placing;

/// <summary>
/// Counts Pending orders in the database every 50 ms for <see cref="OrderAdmission"/> and the
/// <c>commerce.orders.pending</c> gauge. The partial index on Pending orders keeps the count to the orders in flight.
/// </summary>
public sealed class PendingOrdersCounter(
    NpgsqlDataSource dataSource,
    OrderAdmission admission,
    OrderMetrics metrics,
    TimeProvider clock,
    ILogger<PendingOrdersCounter> logger) : BackgroundService
{
    // Short next to the time an order takes to finish (~100 ms when nothing queues), so room is seen soon after it opens.
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            try
            {
                await using var count = dataSource.CreateCommand("SELECT count(*) FROM orders WHERE status = 'Pending'");
                var pending = (long)(await count.ExecuteScalarAsync(stoppingToken))!;
                admission.Counted(pending);
                metrics.PendingOrders = pending;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                // Database away: the last count stands (new orders cannot be placed meanwhile anyway).
                logger.LogWarning(exception, "Counting pending orders failed; retrying");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false) is true);
    }
}
