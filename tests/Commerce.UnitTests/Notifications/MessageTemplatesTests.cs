using Commerce.Contracts;
using Commerce.Notification.Templates;

namespace Commerce.UnitTests.Notifications;

public sealed class MessageTemplatesTests
{
    private static readonly MessageTemplates Korean = MessageTemplates.For(NotificationLanguage.Korean);
    private static readonly MessageTemplates English = MessageTemplates.For(NotificationLanguage.English);

    private static readonly string[] KnownReasons =
    [
        RejectionReasons.InsufficientStock, RejectionReasons.UnknownProduct, RejectionReasons.InsufficientFunds,
        RejectionReasons.CouponNotOwned, RejectionReasons.CouponAlreadyUsed, RejectionReasons.CouponNotActive,
        RejectionReasons.Timeout,
    ];

    [Fact]
    public void A_completed_order_in_Korean_counts_every_unit_and_writes_won_with_thousands_separators()
    {
        var lines = new[] { new PricedLine("p-1", 2, 4_500), new PricedLine("p-2", 1, 4_500) };

        Assert.Equal("주문이 완료되었습니다: 상품 3개, 결제 금액 13,500원.", Korean.Completed(lines, 13_500));
    }

    [Fact]
    public void A_completed_order_in_English_says_items_and_KRW()
    {
        var lines = new[] { new PricedLine("p-1", 2, 4_500), new PricedLine("p-2", 1, 4_500) };

        Assert.Equal("Your order is complete: 3 items, 13,500 KRW charged.", English.Completed(lines, 13_500));
    }

    [Fact]
    public void One_unit_is_one_item_not_one_items()
    {
        Assert.Equal("Your order is complete: 1 item, 900 KRW charged.", English.Completed([new PricedLine("p-1", 1, 900)], 900));
    }

    [Fact]
    public void A_total_fully_covered_by_a_coupon_is_zero_won()
    {
        Assert.Equal("주문이 완료되었습니다: 상품 1개, 결제 금액 0원.", Korean.Completed([new PricedLine("p-1", 1, 900)], 0));
    }

    [Fact]
    public void Large_quantities_and_totals_get_separators_too()
    {
        var lines = new[] { new PricedLine("p-1", 1_000, 1_250_000), new PricedLine("p-2", 500, 1) };

        Assert.Equal("주문이 완료되었습니다: 상품 1,500개, 결제 금액 1,250,000,500원.", Korean.Completed(lines, 1_250_000_500));
    }

    [Fact]
    public void An_event_without_lines_still_reads_as_a_sentence()
    {
        Assert.Equal("주문이 완료되었습니다: 상품 0개, 결제 금액 0원.", Korean.Completed(null, 0));
    }

    [Theory]
    [InlineData("insufficient_stock", "주문을 완료하지 못했습니다: 재고가 부족합니다.")]
    [InlineData("unknown_product", "주문을 완료하지 못했습니다: 판매하지 않는 상품이 있습니다.")]
    [InlineData("insufficient_funds", "주문을 완료하지 못했습니다: 잔액이 부족합니다.")]
    [InlineData("coupon_not_owned", "주문을 완료하지 못했습니다: 보유하지 않은 쿠폰입니다.")]
    [InlineData("coupon_already_used", "주문을 완료하지 못했습니다: 이미 사용한 쿠폰입니다.")]
    [InlineData("coupon_not_active", "주문을 완료하지 못했습니다: 지금은 사용할 수 없는 쿠폰입니다.")]
    [InlineData("timeout", "주문을 완료하지 못했습니다: 처리 시간이 초과되었습니다.")]
    public void Each_rejection_reason_has_its_own_Korean_sentence(string reason, string expected)
    {
        Assert.Equal(expected, Korean.Rejected(reason));
    }

    [Theory]
    [InlineData("insufficient_stock", "Your order could not be completed: not enough stock.")]
    [InlineData("unknown_product", "Your order could not be completed: a product is not on sale.")]
    [InlineData("insufficient_funds", "Your order could not be completed: not enough money in your wallet.")]
    [InlineData("coupon_not_owned", "Your order could not be completed: the coupon is not yours.")]
    [InlineData("coupon_already_used", "Your order could not be completed: the coupon was already used.")]
    [InlineData("coupon_not_active", "Your order could not be completed: the coupon cannot be used at this time.")]
    [InlineData("timeout", "Your order could not be completed: it took too long to process.")]
    public void Each_rejection_reason_has_its_own_English_sentence(string reason, string expected)
    {
        Assert.Equal(expected, English.Rejected(reason));
    }

    [Theory]
    [InlineData("payment_gateway_down")]
    [InlineData("INSUFFICIENT_STOCK")]
    [InlineData("")]
    [InlineData(null)]
    public void An_unknown_reason_gets_the_generic_sentence_and_never_the_code(string? reason)
    {
        Assert.Equal("주문을 완료하지 못했습니다: 처리 중 문제가 발생했습니다.", Korean.Rejected(reason));
        Assert.Equal("Your order could not be completed: something went wrong on our side.", English.Rejected(reason));
    }

    [Fact]
    public void No_two_known_reasons_read_the_same_and_none_reads_like_the_generic_one()
    {
        foreach (var templates in new[] { Korean, English })
        {
            var sentences = KnownReasons.Select(templates.Rejected).Append(templates.Rejected("unknown")).ToList();
            Assert.Equal(sentences.Count, sentences.Distinct().Count());
            Assert.DoesNotContain(sentences, sentence => KnownReasons.Any(code => sentence.Contains(code, StringComparison.Ordinal)));
        }
    }

    [Theory]
    [InlineData(null, NotificationLanguage.Korean)]
    [InlineData("", NotificationLanguage.Korean)]
    [InlineData("ko", NotificationLanguage.Korean)]
    [InlineData("KO", NotificationLanguage.Korean)]
    [InlineData("en", NotificationLanguage.English)]
    [InlineData(" En ", NotificationLanguage.English)]
    public void The_language_setting_is_ko_by_default_or_en(string? setting, NotificationLanguage expected)
    {
        Assert.Equal(expected, MessageTemplates.ParseLanguage(setting));
    }

    [Theory]
    [InlineData("kr")]
    [InlineData("english")]
    [InlineData("ja")]
    public void Any_other_language_setting_stops_the_service_naming_the_setting(string setting)
    {
        var error = Assert.Throws<InvalidOperationException>(() => MessageTemplates.ParseLanguage(setting));

        Assert.Contains("Notifications__Language", error.Message, StringComparison.Ordinal);
    }
}
