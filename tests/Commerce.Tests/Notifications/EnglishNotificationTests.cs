using Commerce.Contracts;
using Commerce.Testing;

namespace Commerce.Tests.Notifications;

/// <summary><c>Notifications__Language=en</c> reaches the running service: a system of its own writes in English.</summary>
public sealed class EnglishNotificationTests : IAsyncLifetime
{
    private CommerceSystem system = null!;

    public async ValueTask InitializeAsync() =>
        system = await CommerceSystem.StartAsync("notification-en", new Dictionary<string, string> { ["Notifications__Language"] = "en" });

    public async ValueTask DisposeAsync() => await system.DisposeAsync();

    [Fact]
    public async Task With_language_en_messages_are_written_in_English()
    {
        var notifications = new NotificationDriver(system);
        var userId = NotificationDriver.NewUserId();
        await using var bus = await system.StartBusProbeAsync();

        await bus.PublishAsync(new OrderCompleted(Guid.NewGuid(), userId, [new PricedLine("p-1", 3, 4_500)], 13_500));
        await bus.PublishAsync(new OrderRejected(Guid.NewGuid(), userId, RejectionReasons.InsufficientFunds));

        var messages = (await notifications.ListWhenAsync(userId, list => list.Count == 2, "both notifications"))
            .Select(n => n.Message).Order(StringComparer.Ordinal);
        Assert.Equal(
            ["Your order could not be completed: not enough money in your wallet.", "Your order is complete: 3 items, 13,500 KRW charged."],
            messages);
    }
}
