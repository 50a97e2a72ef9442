using System.Net;
using Commerce.Contracts;
using Commerce.Testing;
using Commerce.Tests.Stock;

namespace Commerce.Tests.Notifications;

/// <summary>
/// Order events become one human message per order and event for the order's user, in Korean (the default), read back
/// through the Gateway by that user only.
/// </summary>
public sealed class NotificationTests(SharedSystem shared) : IAsyncLifetime
{
    private readonly NotificationDriver notifications = new(shared.System);
    private MessageBusProbe bus = null!;

    public async ValueTask InitializeAsync() => bus = await shared.System.StartBusProbeAsync();

    public async ValueTask DisposeAsync() => await bus.DisposeAsync();

    [Fact]
    public async Task A_completed_order_tells_its_user_what_they_bought_and_paid()
    {
        var userId = NotificationDriver.NewUserId();
        var orderId = Guid.NewGuid();
        var before = DateTimeOffset.UtcNow;

        await bus.PublishAsync(new OrderCompleted(
            orderId, userId, [new PricedLine("p-kimbap", 2, 4_500), new PricedLine("p-ramyeon", 1, 4_500)], 13_500));

        var notification = Assert.Single(await notifications.ListWhenAsync(userId, list => list.Count > 0, "the completed order's notification"));
        Assert.Equal(orderId, notification.OrderId);
        Assert.Equal("OrderCompleted", notification.Kind);
        Assert.Equal("주문이 완료되었습니다: 상품 3개, 결제 금액 13,500원.", notification.Message);
        Assert.NotEqual(Guid.Empty, notification.Id);
        Assert.InRange(notification.CreatedAt, before.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Theory]
    [InlineData("insufficient_stock", "주문을 완료하지 못했습니다: 재고가 부족합니다.")]
    [InlineData("insufficient_funds", "주문을 완료하지 못했습니다: 잔액이 부족합니다.")]
    [InlineData("coupon_already_used", "주문을 완료하지 못했습니다: 이미 사용한 쿠폰입니다.")]
    [InlineData("no_such_reason", "주문을 완료하지 못했습니다: 처리 중 문제가 발생했습니다.")]
    public async Task A_rejected_order_tells_its_user_why_in_words_not_codes(string reason, string expected)
    {
        var userId = NotificationDriver.NewUserId();
        var orderId = Guid.NewGuid();

        await bus.PublishAsync(new OrderRejected(orderId, userId, reason));

        var notification = Assert.Single(await notifications.ListWhenAsync(userId, list => list.Count > 0, "the rejected order's notification"));
        Assert.Equal(new { OrderId = orderId, Kind = "OrderRejected", Message = expected },
            new { notification.OrderId, notification.Kind, notification.Message });
    }

    [Fact]
    public async Task The_same_event_published_twice_makes_one_notification_per_order_and_kind()
    {
        var userId = NotificationDriver.NewUserId();
        var completed = new OrderCompleted(Guid.NewGuid(), userId, [new PricedLine("p-1", 1, 1_000)], 1_000);
        var rejected = new OrderRejected(Guid.NewGuid(), userId, RejectionReasons.Timeout);

        await bus.PublishAsync(completed);
        await bus.PublishAsync(rejected);
        await bus.PublishAsync(completed);
        await bus.PublishAsync(rejected);
        // Both copies of each event must have been handled before "exactly one" means anything.
        await Eventually.Until(async () => await notifications.DeliveriesAsync(completed.OrderId, "OrderCompleted") >= 2
            && await notifications.DeliveriesAsync(rejected.OrderId, "OrderRejected") >= 2,
            NotificationDriver.Deadline, "both copies of both events handled");

        var list = await notifications.ListAsync(userId, 100);
        Assert.Equal(2, list.Count);
        Assert.Single(list, n => n.OrderId == completed.OrderId && n.Kind == "OrderCompleted");
        Assert.Single(list, n => n.OrderId == rejected.OrderId && n.Kind == "OrderRejected");
        Assert.Equal(2, list.Select(n => n.Id).Distinct().Count());
    }

    [Fact]
    public async Task Every_completed_order_is_notified_although_Stock_consumes_the_same_event()
    {
        var userId = NotificationDriver.NewUserId();
        var orders = Enumerable.Range(0, 10).Select(_ => Guid.NewGuid()).ToList();

        // A queue shared with Stock's ranking consumer would hand each event to one of the two: about half would be lost here.
        foreach (var orderId in orders)
        {
            await bus.PublishAsync(new OrderCompleted(orderId, userId, [new PricedLine("p-1", 1, 1_000)], 1_000));
        }

        var list = await notifications.ListWhenAsync(userId, list => list.Count == orders.Count, "a notification for each of the ten orders");
        Assert.Equal(orders.Order(), list.Select(n => n.OrderId).Order());
    }

    [Fact]
    public async Task A_user_sees_only_their_own_notifications()
    {
        var owner = NotificationDriver.NewUserId();
        var other = NotificationDriver.NewUserId();
        var ownerOrder = Guid.NewGuid();
        var otherOrder = Guid.NewGuid();

        await bus.PublishAsync(new OrderCompleted(ownerOrder, owner, [new PricedLine("p-1", 1, 1_000)], 1_000));
        await bus.PublishAsync(new OrderRejected(Guid.NewGuid(), owner, RejectionReasons.InsufficientStock));
        await bus.PublishAsync(new OrderRejected(otherOrder, other, RejectionReasons.InsufficientFunds));

        var owners = await notifications.ListWhenAsync(owner, list => list.Count == 2, "the owner's two notifications");
        var others = await notifications.ListWhenAsync(other, list => list.Count > 0, "the other user's notification");

        Assert.DoesNotContain(owners, n => n.OrderId == otherOrder);
        Assert.Equal([otherOrder], others.Select(n => n.OrderId));
        Assert.Empty(await notifications.ListAsync(NotificationDriver.NewUserId()));
    }

    [Fact]
    public async Task Notifications_are_listed_newest_first_and_limit_keeps_the_newest()
    {
        var userId = NotificationDriver.NewUserId();
        var orders = new[] { Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid() };
        // One at a time, each stored before the next is published, so "newest" is well defined.
        for (var i = 0; i < orders.Length; i++)
        {
            await bus.PublishAsync(new OrderRejected(orders[i], userId, RejectionReasons.Timeout));
            await notifications.ListWhenAsync(userId, list => list.Count == i + 1, $"notification {i + 1} stored");
        }

        var all = await notifications.ListAsync(userId);
        Assert.Equal(orders.Reverse(), all.Select(n => n.OrderId));
        Assert.True(all.Zip(all.Skip(1)).All(pair => pair.First.CreatedAt >= pair.Second.CreatedAt));
        Assert.Equal(orders.Reverse().Take(2), (await notifications.ListAsync(userId, limit: 2)).Select(n => n.OrderId));
        Assert.Equal([orders[^1]], (await notifications.ListAsync(userId, limit: 1)).Select(n => n.OrderId));
    }

    [Fact]
    public async Task An_order_placed_through_the_storefront_ends_in_a_notification_for_its_buyer()
    {
        var storefront = new Storefront(shared.System);
        var userId = NotificationDriver.NewUserId();
        var productId = $"p-{Guid.NewGuid():N}";
        await storefront.PutProductAsync(productId, price: 2_500, stock: 10);
        await storefront.DepositAsync(userId, 10_000);

        var orderId = await storefront.PlaceAcceptedOrderAsync(userId, (productId, 3));
        Assert.Equal("Completed", (await storefront.WaitForFinalAsync(userId, orderId)).Status);

        var notification = Assert.Single(await notifications.ListWhenAsync(userId, list => list.Count > 0, "the order's notification"));
        Assert.Equal(orderId, notification.OrderId);
        Assert.Equal("주문이 완료되었습니다: 상품 3개, 결제 금액 7,500원.", notification.Message);
    }

    [Fact]
    public async Task Operators_see_notifications_made_by_kind_in_the_metrics()
    {
        var userId = NotificationDriver.NewUserId();
        await bus.PublishAsync(new OrderRejected(Guid.NewGuid(), userId, RejectionReasons.Timeout));
        await notifications.ListWhenAsync(userId, list => list.Count > 0, "the notification");

        // The copy that made it counted it: every copy's metrics together.
        var made = await ServiceAssertions.CounterAsync(shared.System, "notification", "commerce_notifications_total", "kind=\"OrderRejected\"");

        Assert.True(made >= 1, $"commerce_notifications_total{{kind=\"OrderRejected\"}} is {made} over every copy");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("101")]
    [InlineData("-1")]
    [InlineData("twenty")]
    public async Task A_limit_outside_1_to_100_is_a_400_naming_limit(string limit)
    {
        using var client = shared.System.CreateClient(NotificationDriver.NewUserId());

        var response = await client.GetAsync($"/api/notifications?limit={limit}", TestContext.Current.CancellationToken);

        await ServiceAssertions.AssertProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed", "limit");
    }

    [Fact]
    public async Task Without_a_token_notifications_are_a_401()
    {
        using var client = shared.System.CreateClient();

        var response = await client.GetAsync("/api/notifications", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
