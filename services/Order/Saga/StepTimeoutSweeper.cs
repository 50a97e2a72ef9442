using Commerce.Order.Data;
using Microsoft.EntityFrameworkCore;

namespace Commerce.Order.Saga;

/// <summary>
/// Finds pending orders whose current step is past its deadline and times them out, so a participant that never
/// answers cannot leave an order Pending forever. (MassTransit's scheduler needs a RabbitMQ plugin Debian lacks.)
/// Every Order replica sweeps; an order another replica or an answer changed while the sweep decided is left to it, not decided again.
/// </summary>
public sealed class StepTimeoutSweeper(IServiceScopeFactory scopes, TimeProvider clock, ILogger<StepTimeoutSweeper> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogWarning(exception, "Timeout sweep failed; trying again at the next tick");
            }
        }
    }

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrderDbContext>();
        var now = clock.GetUtcNow();
        var overdue = await db.Orders
            .Where(o => o.Status == OrderStatus.Pending && o.StepDeadline < now)
            .OrderBy(o => o.StepDeadline)
            .Select(o => new { o.OrderId, o.Step })
            .Take(200)
            .ToListAsync(cancellationToken);

        foreach (var order in overdue)
        {
            await using var stepScope = scopes.CreateAsyncScope();
            var store = stepScope.ServiceProvider.GetRequiredService<OrderSagaStore>();
            await store.ApplyAsync(order.OrderId, new StepTimedOut(order.OrderId, order.Step), cancellationToken, skipIfChanged: true);
        }
    }
}
