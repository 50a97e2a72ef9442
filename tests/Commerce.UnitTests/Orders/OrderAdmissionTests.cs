using Commerce.Order.Placing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Commerce.UnitTests.Orders;

public sealed class OrderAdmissionTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(5);

    private readonly FakeTimeProvider time = new();

    private OrderAdmission Admission(int maxPending) =>
        new(Options.Create(new AdmissionOptions { MaxPendingOrders = maxPending, AdmissionWaitSeconds = Budget.TotalSeconds }), time);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Orders_being_placed_and_pending_ones_share_the_limit_and_the_next_waits_for_a_count_with_room()
    {
        var admission = Admission(maxPending: 3);
        admission.Counted(1);
        using var first = await admission.TryEnterAsync(Ct);
        using var second = await admission.TryEnterAsync(Ct);
        var third = admission.TryEnterAsync(Ct).AsTask();

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.False(third.IsCompleted);

        admission.Counted(1); // still 1 pending + 2 being placed
        Assert.False(third.IsCompleted);
        admission.Counted(0);
        using var admitted = await third;
        Assert.NotNull(admitted);
    }

    [Fact]
    public async Task Waiters_get_in_in_arrival_order()
    {
        var admission = Admission(maxPending: 2);
        admission.Counted(2);
        var waiters = Enumerable.Range(0, 3).Select(_ => admission.TryEnterAsync(Ct).AsTask()).ToArray();

        admission.Counted(1);
        var firstIn = await waiters[0];
        Assert.NotNull(firstIn);
        Assert.False(waiters[1].IsCompleted);
        Assert.False(waiters[2].IsCompleted);

        firstIn.Dispose(); // its order is placed: from now on the count has it
        admission.Counted(1);
        Assert.NotNull(await waiters[1]);
        Assert.False(waiters[2].IsCompleted);
    }

    [Fact]
    public async Task A_waiter_gives_up_after_the_budget_and_its_turn_goes_to_the_next()
    {
        var admission = Admission(maxPending: 1);
        admission.Counted(1);
        var patient = admission.TryEnterAsync(Ct).AsTask();
        time.Advance(TimeSpan.FromSeconds(1));
        var later = admission.TryEnterAsync(Ct).AsTask();

        time.Advance(Budget - TimeSpan.FromSeconds(1));
        Assert.Null(await patient);
        Assert.False(later.IsCompleted);

        admission.Counted(0);
        Assert.NotNull(await later);
    }

    [Fact]
    public async Task A_caller_that_goes_away_stops_waiting_and_takes_no_room()
    {
        var admission = Admission(maxPending: 1);
        admission.Counted(1);
        using var gone = new CancellationTokenSource();
        var leaving = admission.TryEnterAsync(gone.Token).AsTask();

        await gone.CancelAsync();
        Assert.Null(await leaving);

        admission.Counted(0);
        using var next = await admission.TryEnterAsync(Ct);
        Assert.NotNull(next);
    }

    [Fact]
    public async Task A_ticket_disposed_twice_frees_its_room_once()
    {
        var admission = Admission(maxPending: 2);
        admission.Counted(0);
        var first = await admission.TryEnterAsync(Ct);
        using var second = await admission.TryEnterAsync(Ct);
        first!.Dispose();
        first.Dispose();

        using var third = await admission.TryEnterAsync(Ct);
        var fourth = admission.TryEnterAsync(Ct).AsTask();

        Assert.NotNull(third);
        Assert.False(fourth.IsCompleted);
    }

    [Fact]
    public async Task A_limit_of_zero_admits_everyone()
    {
        var admission = Admission(maxPending: 0);
        admission.Counted(1_000_000);

        var tickets = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => admission.TryEnterAsync(Ct).AsTask()));

        Assert.All(tickets, Assert.NotNull);
    }
}
