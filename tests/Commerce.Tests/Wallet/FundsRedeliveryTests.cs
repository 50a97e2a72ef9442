using Commerce.Contracts;
using Commerce.Testing;

namespace Commerce.Tests.Wallet;

/// <summary>
/// Every wallet message delivered twice, and every compensation delivered before or after its step, leaves the same state
/// as one delivery in the right order.
/// </summary>
public sealed class FundsRedeliveryTests(SharedSystem shared) : IAsyncLifetime
{
    private readonly WalletDriver wallet = new(shared.System);
    private MessageBusProbe bus = null!;

    public async ValueTask InitializeAsync() => bus = await shared.System.StartBusProbeAsync();

    public async ValueTask DisposeAsync() => await bus.DisposeAsync();

    [Fact]
    public async Task A_fund_reservation_delivered_twice_takes_once_and_answers_twice()
    {
        var userId = await FundedUserAsync(10_000);
        var orderId = Guid.NewGuid();
        var message = new ReserveFunds(orderId, userId, 4_000);

        await Task.WhenAll(bus.PublishAsync(message), bus.PublishAsync(message));
        await Eventually.Until(
            () => Task.FromResult(bus.Received<FundsReserved>().Count(reply => reply.OrderId == orderId)),
            count => count >= 2, WalletDriver.Deadline, "both deliveries answered");

        Assert.Equal(new LedgerStep("reserved", 2), await wallet.StepAsync(orderId, "reserve"));
        Assert.Equal(new WalletBooks(Balance: 6_000, Reserved: 0, Deposited: 10_000, Taken: 4_000), await wallet.BooksAsync(userId));
    }

    [Fact]
    public async Task A_refused_fund_reservation_redelivered_after_a_deposit_is_still_refused()
    {
        var userId = await FundedUserAsync(1_000);
        var orderId = Guid.NewGuid();
        await bus.PublishAsync(new ReserveFunds(orderId, userId, 5_000));
        await bus.WaitForAsync<FundsReservationFailed>(reply => reply.OrderId == orderId, WalletDriver.Deadline);

        await wallet.DepositAsync(userId, 10_000);
        await bus.PublishAsync(new ReserveFunds(orderId, userId, 5_000));
        await Eventually.Until(
            () => Task.FromResult(bus.Received<FundsReservationFailed>().Count(reply => reply.OrderId == orderId)),
            count => count >= 2, WalletDriver.Deadline, "the redelivery answered");

        Assert.DoesNotContain(bus.Received<FundsReserved>(), reply => reply.OrderId == orderId);
        Assert.Equal(new WalletJson(11_000, 0, 11_000), await wallet.WalletAsync(userId));
    }

    [Fact]
    public async Task A_release_delivered_twice_gives_the_money_back_once()
    {
        var (userId, orderId) = await TakenAsync(balance: 10_000, amount: 4_000);
        await ReservedAsync(Guid.NewGuid(), userId, 1_000);

        await bus.PublishAsync(new ReleaseFunds(orderId));
        await wallet.StepHandledAsync(orderId, "release");
        await bus.PublishAsync(new ReleaseFunds(orderId));
        await wallet.StepHandledAsync(orderId, "release", deliveries: 2);

        // The other order's 1,000 is still taken: a second release must not have given it back.
        Assert.Equal(new WalletJson(9_000, 0, 9_000), await wallet.WalletAsync(userId));
    }

    [Fact]
    public async Task A_release_before_its_reservation_makes_the_late_reservation_take_nothing()
    {
        var userId = await FundedUserAsync(10_000);
        var orderId = Guid.NewGuid();

        await bus.PublishAsync(new ReleaseFunds(orderId));
        Assert.Equal("tombstone", (await wallet.StepHandledAsync(orderId, "release"))!.Outcome);
        await bus.PublishAsync(new ReserveFunds(orderId, userId, 4_000));
        var failure = await bus.WaitForAsync<FundsReservationFailed>(reply => reply.OrderId == orderId, WalletDriver.Deadline);

        Assert.Equal(RejectionReasons.InsufficientFunds, failure.Reason);
        Assert.Equal(new WalletJson(10_000, 0, 10_000), await wallet.WalletAsync(userId));
    }

    [Fact]
    public async Task Two_releases_at_once_give_the_money_back_exactly_once()
    {
        var (userId, orderId) = await TakenAsync(balance: 10_000, amount: 4_000);

        await Task.WhenAll(bus.PublishAsync(new ReleaseFunds(orderId)), bus.PublishAsync(new ReleaseFunds(orderId)));

        Assert.Equal("applied", (await wallet.StepHandledAsync(orderId, "release", deliveries: 2))!.Outcome);
        Assert.Equal(new WalletBooks(Balance: 10_000, Reserved: 0, Deposited: 10_000, Taken: 0), await wallet.BooksAsync(userId));
    }

    [Fact]
    public async Task A_reservation_and_its_release_racing_leave_nothing_taken_whichever_wins()
    {
        var userId = await FundedUserAsync(10_000);
        var orderId = Guid.NewGuid();

        await Task.WhenAll(bus.PublishAsync(new ReserveFunds(orderId, userId, 4_000)), bus.PublishAsync(new ReleaseFunds(orderId)));
        var release = await wallet.StepHandledAsync(orderId, "release");
        await bus.WaitForEitherAsync<FundsReserved, FundsReservationFailed>(
            r => r.OrderId == orderId, r => r.OrderId == orderId, WalletDriver.Deadline, $"an answer to the fund reservation of order {orderId}");

        // Release first: a tombstone, and the reservation takes nothing. Reservation first: the release gives it back.
        Assert.Contains(release!.Outcome, new[] { "tombstone", "applied" });
        Assert.Equal(new WalletBooks(Balance: 10_000, Reserved: 0, Deposited: 10_000, Taken: 0), await wallet.BooksAsync(userId));
    }

    private async Task<string> FundedUserAsync(long balance)
    {
        var userId = WalletDriver.NewUserId();
        await wallet.DepositAsync(userId, balance);
        return userId;
    }

    private async Task<(string UserId, Guid OrderId)> TakenAsync(long balance, long amount)
    {
        var userId = await FundedUserAsync(balance);
        var orderId = Guid.NewGuid();
        await ReservedAsync(orderId, userId, amount);
        return (userId, orderId);
    }

    private async Task ReservedAsync(Guid orderId, string userId, long amount)
    {
        await bus.PublishAsync(new ReserveFunds(orderId, userId, amount));
        await bus.WaitForAsync<FundsReserved>(reply => reply.OrderId == orderId, WalletDriver.Deadline);
    }
}
