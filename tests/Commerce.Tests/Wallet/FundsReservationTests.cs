using Commerce.Contracts;
using Commerce.Testing;
using Commerce.Tests.Stock;

namespace Commerce.Tests.Wallet;

/// <summary>ReserveFunds under contention and the release that undoes it: never more taken than the balance.</summary>
public sealed class FundsReservationTests(SharedSystem shared) : IAsyncLifetime
{
    private readonly WalletDriver wallet = new(shared.System);
    private MessageBusProbe bus = null!;

    public async ValueTask InitializeAsync() => bus = await shared.System.StartBusProbeAsync();

    public async ValueTask DisposeAsync() => await bus.DisposeAsync();

    [Fact]
    public async Task A_hundred_orders_of_1000_against_30000_take_exactly_thirty()
    {
        var userId = WalletDriver.NewUserId();
        await wallet.DepositAsync(userId, 30_000);
        var orders = Enumerable.Range(0, 100).Select(_ => Guid.NewGuid()).ToList();

        await Task.WhenAll(orders.Select(orderId => bus.PublishAsync(new ReserveFunds(orderId, userId, 1_000))));
        var ours = orders.ToHashSet();
        var (reserved, failed) = await Eventually.Until(
            () => Task.FromResult((
                bus.Received<FundsReserved>().Where(reply => ours.Contains(reply.OrderId)).ToList(),
                bus.Received<FundsReservationFailed>().Where(reply => ours.Contains(reply.OrderId)).ToList())),
            answers => answers.Item1.Count + answers.Item2.Count >= orders.Count,
            WalletDriver.Deadline,
            "answers to 100 fund reservations");

        Assert.Equal(30, reserved.Count);
        Assert.Equal(70, failed.Count);
        Assert.All(failed, failure => Assert.Equal(RejectionReasons.InsufficientFunds, failure.Reason));
        Assert.Equal(new WalletJson(0, 0, 0), await wallet.WalletAsync(userId));
        Assert.True((await wallet.BooksAsync(userId)).Balances);
    }

    [Fact]
    public async Task A_reservation_takes_the_money_at_once_and_releasing_gives_it_back()
    {
        var userId = WalletDriver.NewUserId();
        await wallet.DepositAsync(userId, 10_000);
        var (kept, dropped) = (Guid.NewGuid(), Guid.NewGuid());
        await ReservedAsync(kept, userId, 3_000);
        await ReservedAsync(dropped, userId, 2_000);
        // Read after the answers: a take has no capture round, so the wallet already shows it.
        Assert.Equal(new WalletJson(5_000, 0, 5_000), await wallet.WalletAsync(userId));

        await bus.PublishAsync(new ReleaseFunds(dropped));
        await wallet.StepHandledAsync(dropped, "release");

        Assert.Equal(new WalletJson(7_000, 0, 7_000), await wallet.WalletAsync(userId));
        Assert.Equal(new WalletBooks(Balance: 7_000, Reserved: 0, Deposited: 10_000, Taken: 3_000), await wallet.BooksAsync(userId));
    }

    [Fact]
    public async Task An_order_above_what_is_available_takes_nothing()
    {
        var userId = WalletDriver.NewUserId();
        await wallet.DepositAsync(userId, 5_000);
        await ReservedAsync(Guid.NewGuid(), userId, 4_000);
        var orderId = Guid.NewGuid();

        await bus.PublishAsync(new ReserveFunds(orderId, userId, 1_001));
        var failure = await bus.WaitForAsync<FundsReservationFailed>(reply => reply.OrderId == orderId, WalletDriver.Deadline);

        Assert.Equal(RejectionReasons.InsufficientFunds, failure.Reason);
        Assert.Equal(new WalletJson(1_000, 0, 1_000), await wallet.WalletAsync(userId));
    }

    [Fact]
    public async Task A_user_who_never_deposited_cannot_pay_but_a_free_order_needs_nothing()
    {
        var userId = WalletDriver.NewUserId();
        var (paid, free) = (Guid.NewGuid(), Guid.NewGuid());

        await bus.PublishAsync(new ReserveFunds(paid, userId, 1));
        await bus.PublishAsync(new ReserveFunds(free, userId, 0));

        Assert.Equal(RejectionReasons.InsufficientFunds,
            (await bus.WaitForAsync<FundsReservationFailed>(reply => reply.OrderId == paid, WalletDriver.Deadline)).Reason);
        await bus.WaitForAsync<FundsReserved>(reply => reply.OrderId == free, WalletDriver.Deadline);
        Assert.Equal(new WalletJson(0, 0, 0), await wallet.WalletAsync(userId));
    }

    [Theory]
    [InlineData("reserved = balance + 1")]
    [InlineData("reserved = -1")]
    [InlineData("balance = reserved - 1")]
    public async Task The_database_itself_refuses_to_hold_more_than_the_balance(string change)
    {
        var userId = WalletDriver.NewUserId();
        await wallet.DepositAsync(userId, 1_000);
        await using var connection = new Npgsql.NpgsqlConnection(shared.System.DatabaseConnectionString("walletdb"));
        await connection.OpenAsync(TestContext.Current.CancellationToken);

        // Code that forgot the conditional update would still be stopped here.
        await using var overdraw = new Npgsql.NpgsqlCommand($"UPDATE wallets SET {change} WHERE user_id = @user", connection);
        overdraw.Parameters.AddWithValue("user", userId);
        var refused = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => overdraw.ExecuteNonQueryAsync(TestContext.Current.CancellationToken));

        Assert.Equal(Npgsql.PostgresErrorCodes.CheckViolation, refused.SqlState);
        Assert.Equal(new WalletJson(1_000, 0, 1_000), await wallet.WalletAsync(userId));
    }

    [Fact]
    public async Task Fund_reservations_are_counted_by_outcome_on_the_metrics_endpoint()
    {
        const string metric = "commerce_wallet_reservations_total";
        var before = (
            Reserved: await ServiceAssertions.CounterAsync(shared.System, "wallet", metric, "outcome=\"reserved\""),
            Short: await ServiceAssertions.CounterAsync(shared.System, "wallet", metric, "outcome=\"insufficient_funds\""));
        var userId = WalletDriver.NewUserId();
        await wallet.DepositAsync(userId, 1_000);
        var lost = Guid.NewGuid();

        await ReservedAsync(Guid.NewGuid(), userId, 1_000);
        await bus.PublishAsync(new ReserveFunds(lost, userId, 1));
        await bus.WaitForAsync<FundsReservationFailed>(reply => reply.OrderId == lost, WalletDriver.Deadline);

        // Other tests share the service, so the counters may have moved further; each must have moved at least this far.
        await Eventually.Until(
            async () => (
                Reserved: await ServiceAssertions.CounterAsync(shared.System, "wallet", metric, "outcome=\"reserved\""),
                Short: await ServiceAssertions.CounterAsync(shared.System, "wallet", metric, "outcome=\"insufficient_funds\"")),
            after => after.Reserved >= before.Reserved + 1 && after.Short >= before.Short + 1,
            WalletDriver.Deadline,
            "the fund reservation counters to count each outcome");
    }

    private async Task ReservedAsync(Guid orderId, string userId, long amount)
    {
        await bus.PublishAsync(new ReserveFunds(orderId, userId, amount));
        await bus.WaitForAsync<FundsReserved>(reply => reply.OrderId == orderId, WalletDriver.Deadline);
    }
}
