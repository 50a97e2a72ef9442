using System.Globalization;
using Commerce.Contracts;

namespace Commerce.Notification.Templates;

/// <summary>The language notification messages are written in (<c>Notifications__Language</c>).</summary>
public enum NotificationLanguage
{
    Korean,
    English,
}

/// <summary>
/// Turns order events into the sentences a user reads, in one language. Reason codes are never shown as they are:
/// each known code has its own sentence, and any other code gets a generic one.
/// </summary>
public sealed class MessageTemplates
{
    public const string LanguageSetting = "Notifications:Language";

    private static readonly Dictionary<string, string> KoreanReasons = new(StringComparer.Ordinal)
    {
        [RejectionReasons.InsufficientStock] = "재고가 부족합니다",
        [RejectionReasons.UnknownProduct] = "판매하지 않는 상품이 있습니다",
        [RejectionReasons.InsufficientFunds] = "잔액이 부족합니다",
        [RejectionReasons.CouponNotOwned] = "보유하지 않은 쿠폰입니다",
        [RejectionReasons.CouponAlreadyUsed] = "이미 사용한 쿠폰입니다",
        [RejectionReasons.CouponNotActive] = "지금은 사용할 수 없는 쿠폰입니다",
        [RejectionReasons.Timeout] = "처리 시간이 초과되었습니다",
    };

    private static readonly Dictionary<string, string> EnglishReasons = new(StringComparer.Ordinal)
    {
        [RejectionReasons.InsufficientStock] = "not enough stock",
        [RejectionReasons.UnknownProduct] = "a product is not on sale",
        [RejectionReasons.InsufficientFunds] = "not enough money in your wallet",
        [RejectionReasons.CouponNotOwned] = "the coupon is not yours",
        [RejectionReasons.CouponAlreadyUsed] = "the coupon was already used",
        [RejectionReasons.CouponNotActive] = "the coupon cannot be used at this time",
        [RejectionReasons.Timeout] = "it took too long to process",
    };

    private MessageTemplates(NotificationLanguage language) => Language = language;

    public NotificationLanguage Language { get; }

    public static MessageTemplates For(NotificationLanguage language) => new(language);

    /// <summary>
    /// The language named by the setting: <c>ko</c> (also when unset) or <c>en</c>, in any case. Anything else throws, so
    /// a misspelt setting stops the service at start instead of silently writing in the wrong language.
    /// </summary>
    public static NotificationLanguage ParseLanguage(string? setting) => setting?.Trim().ToLowerInvariant() switch
    {
        null or "" or "ko" => NotificationLanguage.Korean,
        "en" => NotificationLanguage.English,
        _ => throw new InvalidOperationException(
            $"{LanguageSetting} (Notifications__Language) is '{setting}'; it must be 'ko' or 'en'."),
    };

    /// <summary>"주문이 완료되었습니다: 상품 3개, 결제 금액 13,500원." — the item count is the sum of the lines' quantities.</summary>
    public string Completed(IReadOnlyList<PricedLine>? lines, long total)
    {
        var items = lines?.Sum(line => (long)line.Quantity) ?? 0;
        var count = items.ToString("#,0", CultureInfo.InvariantCulture);
        var amount = total.ToString("#,0", CultureInfo.InvariantCulture);
        return Language switch
        {
            NotificationLanguage.English =>
                $"Your order is complete: {count} {(items == 1 ? "item" : "items")}, {amount} KRW charged.",
            _ => $"주문이 완료되었습니다: 상품 {count}개, 결제 금액 {amount}원.",
        };
    }

    /// <summary>"주문을 완료하지 못했습니다: 재고가 부족합니다." — with a sentence for the reason code, never the code itself.</summary>
    public string Rejected(string? reason) => Language switch
    {
        NotificationLanguage.English =>
            $"Your order could not be completed: {Reason(EnglishReasons, reason, "something went wrong on our side")}.",
        _ => $"주문을 완료하지 못했습니다: {Reason(KoreanReasons, reason, "처리 중 문제가 발생했습니다")}.",
    };

    private static string Reason(Dictionary<string, string> reasons, string? code, string generic) =>
        code is not null && reasons.TryGetValue(code, out var sentence) ? sentence : generic;
}
