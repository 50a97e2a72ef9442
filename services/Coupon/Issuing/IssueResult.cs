namespace Commerce.Coupon.Issuing;

/// <summary>How a request for a coupon ended; <see cref="IssueOutcomes.Tag"/> names it in metrics.</summary>
public enum IssueOutcome
{
    Issued,
    AlreadyIssued,
    SoldOut,
    NotActive,
    NotFound,
    Unavailable,
}

/// <summary>What <c>POST /api/coupons/{couponId}/issue</c> answers; <paramref name="IssuedAt"/> is set when the coupon is the user's.</summary>
public sealed record IssueResult(IssueOutcome Outcome, DateTimeOffset? IssuedAt = null)
{
    public static readonly IssueResult AlreadyIssued = new(IssueOutcome.AlreadyIssued);
    public static readonly IssueResult SoldOut = new(IssueOutcome.SoldOut);
    public static readonly IssueResult NotActive = new(IssueOutcome.NotActive);
    public static readonly IssueResult NotFound = new(IssueOutcome.NotFound);
    public static readonly IssueResult Unavailable = new(IssueOutcome.Unavailable);

    public static IssueResult Issued(DateTimeOffset issuedAt) => new(IssueOutcome.Issued, issuedAt);
}

/// <summary>The stable names of the outcomes, for the <c>outcome</c> tag and the problem <c>code</c>.</summary>
public static class IssueOutcomes
{
    public static string Tag(IssueOutcome outcome) => outcome switch
    {
        IssueOutcome.Issued => "issued",
        IssueOutcome.AlreadyIssued => "already_issued",
        IssueOutcome.SoldOut => "sold_out",
        IssueOutcome.NotActive => "not_active",
        IssueOutcome.NotFound => "not_found",
        _ => "unavailable",
    };
}

/// <summary>Issues coupons first come, first served; <see cref="IssueStrategy"/> picks how.</summary>
public interface ICouponIssuance
{
    /// <summary>Gives the user one coupon of the campaign if there is one left; a 201 only once it is durable.</summary>
    Task<IssueResult> IssueAsync(Guid couponId, string userId);

    /// <summary>Readies a new campaign for its first request (best effort: issuance also readies it itself).</summary>
    Task PrepareAsync(Guid couponId, CancellationToken cancellationToken);
}

/// <summary>
/// <c>Coupons__IssueStrategy</c>: <see cref="Redis"/> (the gate, the default) or <see cref="DbLock"/>, which replays
/// the 2025-02-27 incident (a row lock on the campaign per request) for drills and side-by-side load runs.
/// </summary>
public enum IssueStrategy
{
    Redis,
    DbLock,
}
