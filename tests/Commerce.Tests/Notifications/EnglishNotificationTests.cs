using Commerce.Contracts;
using Commerce.Testing;
using Commerce.Tests.Systems;

namespace Commerce.Tests.Notifications;

/// <summary><c>Notifications__Language=en</c> reaches the running service: the switched system writes in English.</summary>
[Collection(nameof(SwitchedSystem))]
public sealed class EnglishNotificationTests(SwitchedSystem switched)
{
    private readonly CommerceSystem system = switched.System;

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
