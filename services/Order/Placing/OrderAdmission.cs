using Microsoft.Extensions.Options;

namespace Commerce.Order.Placing;

/// <summary>
/// Admission settings: <c>Orders__MaxPendingOrders</c> (0 turns admission off) and <c>Orders__AdmissionWaitSeconds</c>.
/// </summary>
public sealed class AdmissionOptions
{
    public int MaxPendingOrders { get; set; } = 100;
    public double AdmissionWaitSeconds { get; set; } = 5;
}

/// <summary>
/// Lets a new order in only while fewer than <see cref="AdmissionOptions.MaxPendingOrders"/> orders are Pending.
/// Without it a rush accepted orders faster than the saga finished them (150 vs 110 a second on this machine) and
/// every accepted order waited behind the growing backlog: 7–9 s from POST to final after 20 s. Held back, the
/// same rush waits at the door instead, in arrival order, and an order once accepted is final in about a second.
/// A request that cannot get in within the wait budget gets 503 <c>orders_busy</c> and changes nothing.
/// </summary>
/// <remarks>
/// The Pending count comes from the database (<see cref="PendingOrdersCounter"/>), so it holds across instances and
/// restarts; between two counts, orders being placed here count too. For a moment an order may be counted twice (placed
/// and committed before a count, its ticket not yet returned), which admits a little less, or not at all (ticket returned
/// after a count that missed its commit), which admits a little more: at most the orders placed within one count interval.
/// </remarks>
public sealed class OrderAdmission(IOptions<AdmissionOptions> options, TimeProvider clock)
{
    private readonly Lock gate = new();
    private readonly Queue<TaskCompletionSource<bool>> waiting = new();
    private long pendingAtLastCount;
    private long placing;
    private TaskCompletionSource nextRequest = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the next order asks to be let in: the counter's cue to count often again.</summary>
    public Task NextRequest => Volatile.Read(ref nextRequest).Task;

    /// <summary>Orders being placed here or waiting for room.</summary>
    public bool IsBusy
    {
        get
        {
            lock (gate) return placing > 0 || waiting.Count > 0;
        }
    }

    /// <summary>
    /// Waits, in arrival order and at most the wait budget, for room for one more order. Null: no room in time.
    /// Dispose the ticket once the order is placed (or not): from then on the Pending count covers it.
    /// </summary>
    public async ValueTask<IDisposable?> TryEnterAsync(CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref nextRequest, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        var limit = options.Value.MaxPendingOrders;
        if (limit <= 0)
        {
            return NoTicket.Instance;
        }

        TaskCompletionSource<bool> turn;
        lock (gate)
        {
            DropAbandonedTurns();
            if (waiting.Count == 0 && pendingAtLastCount + placing < limit)
            {
                placing++;
                return new Ticket(this);
            }

            turn = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            waiting.Enqueue(turn);
        }

        using var budget = new CancellationTokenSource(TimeSpan.FromSeconds(options.Value.AdmissionWaitSeconds), clock);
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(budget.Token, cancellationToken);
        await using (giveUp.Token.Register(() => turn.TrySetResult(false)))
        {
            // The count's TrySetResult(true) and this one race; whichever wins decides, and a ticket is never lost.
            return await turn.Task ? new Ticket(this) : null;
        }
    }

    /// <summary>A new count of Pending orders: admits waiters, first come first, while there is room.</summary>
    public void Counted(long pendingOrders)
    {
        var limit = options.Value.MaxPendingOrders;
        lock (gate)
        {
            pendingAtLastCount = pendingOrders;
            while (waiting.Count > 0 && (limit <= 0 || pendingAtLastCount + placing < limit))
            {
                // A turn already given up (budget spent, caller gone) takes no room.
                if (waiting.Dequeue().TrySetResult(true))
                {
                    placing++;
                }
            }

            DropAbandonedTurns();
        }
    }

    private void DropAbandonedTurns()
    {
        while (waiting.TryPeek(out var first) && first.Task.IsCompleted)
        {
            waiting.Dequeue();
        }
    }

    private void Left()
    {
        lock (gate) placing--;
    }

    private sealed class Ticket(OrderAdmission admission) : IDisposable
    {
        private int disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0) admission.Left();
        }
    }

    private sealed class NoTicket : IDisposable
    {
        public static readonly NoTicket Instance = new();

        public void Dispose()
        {
        }
    }
}
