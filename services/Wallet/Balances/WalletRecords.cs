namespace Commerce.Wallet.Balances;

/// <summary>
/// A wallet as its owner sees it. Orders take their total from the balance at once, so <c>reserved</c> is 0; it stays for
/// clients of the earlier hold-then-capture wallet (docs/api.md).
/// </summary>
public sealed record WalletView(long Balance, long Reserved, long Available)
{
    public static WalletView Of(long balance, long reserved) => new(balance, reserved, balance - reserved);
}

/// <summary>The body of <c>POST /api/wallet/deposits</c>, sent with an <c>Idempotency-Key</c> header.</summary>
public sealed record DepositRequest(long? Amount)
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    public const long MaxAmount = 100_000_000;
    public const int MaxKeyLength = 100;

    /// <summary>The first field that is wrong and why, or null when the deposit can be made.</summary>
    public static (string Field, string Message)? Check(string? idempotencyKey, DepositRequest? request)
    {
        if (string.IsNullOrEmpty(idempotencyKey))
        {
            return (IdempotencyKeyHeader, "the header is required: the same key deposits once.");
        }

        // Visible ASCII only: the key is compared byte for byte and shown back in logs.
        if (idempotencyKey.Length > MaxKeyLength || idempotencyKey.Any(c => c is < '!' or > '~'))
        {
            return (IdempotencyKeyHeader, $"must be 1-{MaxKeyLength} visible ASCII characters.");
        }

        if (request is null)
        {
            return ("body", "a JSON body {\"amount\"} is required.");
        }

        if (request.Amount is not (>= 1 and <= MaxAmount))
        {
            return ("amount", $"must be a whole number of KRW from 1 to {MaxAmount:N0}.");
        }

        return null;
    }
}
