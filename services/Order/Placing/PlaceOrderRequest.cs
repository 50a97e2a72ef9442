using System.Security.Cryptography;
using System.Text;
using Commerce.ServiceDefaults.Errors;

namespace Commerce.Order.Placing;

/// <summary>The body of <c>POST /api/orders</c>.</summary>
public sealed record PlaceOrderRequest(IReadOnlyList<PlaceOrderItem>? Items, Guid? CouponId);

public sealed record PlaceOrderItem(string? ProductId, int Quantity);

/// <summary>202/200 answer: the order id and its status now.</summary>
public sealed record PlacedOrder(Guid OrderId, string Status);

/// <summary>The rules of docs/api.md for an order request; pure, so unit tests pin them.</summary>
public static class PlaceOrderValidation
{
    public const int MaxItems = 50;
    public const int MaxQuantity = 1000;
    public const int MaxIdempotencyKeyLength = 100;

    /// <summary>The first problem as (field, message), or null when the request is good.</summary>
    public static (string Field, string Message)? FirstProblem(PlaceOrderRequest? request, string? idempotencyKey)
    {
        if (string.IsNullOrWhiteSpace(idempotencyKey) || idempotencyKey.Length > MaxIdempotencyKeyLength || idempotencyKey.Any(char.IsControl))
        {
            return ("Idempotency-Key", $"the header is required: 1-{MaxIdempotencyKeyLength} printable characters.");
        }

        if (request?.Items is not { Count: > 0 } items || items.Count > MaxItems)
        {
            return ("items", $"must hold 1-{MaxItems} items.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            if (item is null) return ($"items[{i}]", "must be an object.");
            if (!Ids.IsWellFormed(item.ProductId)) return ($"items[{i}].productId", "must be 1-64 characters of A-Z, a-z, 0-9, '_' or '-'.");
            if (item.Quantity is < 1 or > MaxQuantity) return ($"items[{i}].quantity", $"must be 1-{MaxQuantity}.");
            if (!seen.Add(item.ProductId!)) return ($"items[{i}].productId", "appears twice; put the whole quantity on one line.");
        }

        if (request.CouponId == Guid.Empty) return ("couponId", "must be a coupon id.");
        return null;
    }

    /// <summary>
    /// A fingerprint of what was asked, to tell "the same request again" (same order back) from "the same key with
    /// another body" (422). Line order does not matter.
    /// </summary>
    public static string Fingerprint(PlaceOrderRequest request)
    {
        var canonical = string.Join(';', request.Items!.OrderBy(i => i.ProductId, StringComparer.Ordinal).Select(i => $"{i.ProductId}x{i.Quantity}"))
            + "|" + (request.CouponId?.ToString("N") ?? "-");
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))).ToLowerInvariant();
    }
}
