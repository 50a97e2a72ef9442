using Commerce.Order.Telemetry;
using Npgsql;

namespace Commerce.Order.Placing;

/// <summary>
/// Counts Pending orders in the database for <see cref="OrderAdmission"/> and the <c>commerce.orders.pending</c> gauge:
/// every 50 ms while orders are in flight, every second while none are. The partial index on Pending orders keeps the
/// count to the orders in flight.
/// </summary>
/// <remarks>
/// An idle shop needs no fresh count (with nothing Pending any order is admitted), and twenty counts a second in each of
/// three idle Order replicas were a visible share of an idle system's CPU on two cores.
/// </remarks>
public sealed class PendingOrdersCounter(
    NpgsqlDataSource dataSource,
    OrderAdmission admission,
    OrderMetrics metrics,
    TimeProvider clock,
    ILogger<PendingOrdersCounter> logger) : BackgroundService
{
    // Short next to the time an order takes to finish (~100 ms when nothing queues), so room is seen soon after it opens.
    private static readonly TimeSpan Busy = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pending = 0L;
        do
        {
            try
            {
                await using var count = dataSource.CreateCommand("SELECT count(*) FROM orders WHERE status = 'Pending'");
                pending = (long)(await count.ExecuteScalarAsync(stoppingToken))!;
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
        while (await NextCountAsync(pending > 0 || admission.IsBusy ? Busy : Idle, stoppingToken));
    }

    private async Task<bool> NextCountAsync(TimeSpan after, CancellationToken stoppingToken)
    {
        try
        {
            // An order arriving at an idle shop is counted for at once, not up to a second later.
            var delay = Task.Delay(after, clock, stoppingToken);
            await (after == Idle ? Task.WhenAny(delay, admission.NextRequest) : delay);
            stoppingToken.ThrowIfCancellationRequested();
            return true;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
