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
    public async Task A_fund_reservation_delivered_twice_holds_once_and_answers_twice()
    {
        var userId = await FundedUserAsync(10_000);
        var orderId = Guid.NewGuid();
        var message = new ReserveFunds(orderId, userId, 4_000);

        await Task.WhenAll(bus.PublishAsync(message), bus.PublishAsync(message));
        await Eventually.Until(
            () => Task.FromResult(bus.Received<FundsReserved>().Count(reply => reply.OrderId == orderId)),
            count => count >= 2, WalletDriver.Deadline, "both deliveries answered");

        Assert.Equal(new LedgerStep("reserved", 2), await wallet.StepAsync(orderId, "reserve"));
        Assert.Equal(new WalletJson(10_000, 4_000, 6_000), await wallet.WalletAsync(userId));
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
    public async Task A_capture_delivered_twice_takes_the_money_once()
    {
        var (userId, orderId) = await HeldAsync(balance: 10_000, amount: 4_000);

        await Task.WhenAll(bus.PublishAsync(new CaptureFunds(orderId)), bus.PublishAsync(new CaptureFunds(orderId)));
        await wallet.StepHandledAsync(orderId, "capture", deliveries: 2);

        Assert.Equal(new WalletBooks(Balance: 6_000, Reserved: 0, Deposited: 10_000, Captured: 4_000), await wallet.BooksAsync(userId));
    }

    [Fact]
    public async Task A_release_delivered_twice_frees_the_money_once()
    {
        var (userId, orderId) = await HeldAsync(balance: 10_000, amount: 4_000);
        await ReservedAsync(Guid.NewGuid(), userId, 1_000);

        await bus.PublishAsync(new ReleaseFunds(orderId));
        await wallet.StepHandledAsync(orderId, "release");
        await bus.PublishAsync(new ReleaseFunds(orderId));
        await wallet.StepHandledAsync(orderId, "release", deliveries: 2);

        // The other order's 1,000 is still held: a second release must not have freed it.
        Assert.Equal(new WalletJson(10_000, 1_000, 9_000), await wallet.WalletAsync(userId));
    }

    [Fact]
    public async Task A_release_before_its_reservation_makes_the_late_reservation_hold_nothing()
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
    public async Task A_release_after_the_capture_is_refused_and_changes_nothing()
    {
        var (userId, orderId) = await HeldAsync(balance: 10_000, amount: 4_000);
        await bus.PublishAsync(new CaptureFunds(orderId));
        await wallet.StepHandledAsync(orderId, "capture");

        await bus.PublishAsync(new ReleaseFunds(orderId));

        Assert.Equal("refused", (await wallet.StepHandledAsync(orderId, "release"))!.Outcome);
        Assert.Equal(new WalletBooks(Balance: 6_000, Reserved: 0, Deposited: 10_000, Captured: 4_000), await wallet.BooksAsync(userId));
    }

    [Fact]
    public async Task A_capture_after_the_release_is_refused_and_takes_nothing()
    {
        var (userId, orderId) = await HeldAsync(balance: 10_000, amount: 4_000);
        await bus.PublishAsync(new ReleaseFunds(orderId));
        await wallet.StepHandledAsync(orderId, "release");

        await bus.PublishAsync(new CaptureFunds(orderId));

        Assert.Equal("refused", (await wallet.StepHandledAsync(orderId, "capture"))!.Outcome);
        Assert.Equal(new WalletBooks(Balance: 10_000, Reserved: 0, Deposited: 10_000, Captured: 0), await wallet.BooksAsync(userId));
    }

    [Fact]
    public async Task Capture_and_release_racing_for_one_reservation_settle_it_exactly_once()
    {
        var (userId, orderId) = await HeldAsync(balance: 10_000, amount: 4_000);

        await Task.WhenAll(bus.PublishAsync(new CaptureFunds(orderId)), bus.PublishAsync(new ReleaseFunds(orderId)));
        var capture = await wallet.StepHandledAsync(orderId, "capture");
        var release = await wallet.StepHandledAsync(orderId, "release");

        Assert.Equal(["applied", "refused"], new[] { capture!.Outcome, release!.Outcome }.Order());
        var books = await wallet.BooksAsync(userId);
        Assert.True(books.Balances);
        Assert.Equal(capture.Outcome == "applied" ? 6_000 : 10_000, books.Balance);
        Assert.Equal(0, books.Reserved);
    }

    private async Task<string> FundedUserAsync(long balance)
    {
        var userId = WalletDriver.NewUserId();
        await wallet.DepositAsync(userId, balance);
        return userId;
    }

    private async Task<(string UserId, Guid OrderId)> HeldAsync(long balance, long amount)
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
