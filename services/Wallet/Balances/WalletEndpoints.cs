using System.Security.Claims;
using Commerce.ServiceDefaults.Auth;
using Commerce.ServiceDefaults.Errors;
using Commerce.Wallet.Reservations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Commerce.Wallet.Balances;

/// <summary><c>GET /api/wallet</c> and <c>POST /api/wallet/deposits</c>, always on the caller's own wallet (the token's <c>sub</c>).</summary>
public static class WalletEndpoints
{
    public const string IdempotencyKeyReused = "idempotency_key_reused";

    public static IEndpointRouteBuilder MapWalletEndpoints(this IEndpointRouteBuilder app)
    {
        var wallet = app.MapGroup("/api/wallet").RequireAuthorization();
        wallet.MapGet("", GetWalletAsync).ProducesProblem(StatusCodes.Status403Forbidden);
        wallet.MapPost("/deposits", DepositAsync)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return app;
    }

    private static async Task<Results<Ok<WalletView>, ProblemHttpResult>> GetWalletAsync(
        ClaimsPrincipal user, WalletLedger ledger, CancellationToken cancellationToken)
    {
        if (OwnerOf(user) is not { } userId)
        {
            return NotAUser();
        }

        return TypedResults.Ok(await ledger.ReadAsync(userId, cancellationToken));
    }

    private static async Task<Results<Ok<WalletView>, ValidationProblem, ProblemHttpResult>> DepositAsync(
        ClaimsPrincipal user,
        [FromHeader(Name = DepositRequest.IdempotencyKeyHeader)] string? idempotencyKey,
        [FromBody] DepositRequest? request,
        WalletLedger ledger,
        CancellationToken cancellationToken)
    {
        if (OwnerOf(user) is not { } userId)
        {
            return NotAUser();
        }

        if (DepositRequest.Check(idempotencyKey, request) is { } invalid)
        {
            return Problems.Invalid(invalid.Field, invalid.Message);
        }

        var outcome = await ledger.DepositAsync(userId, idempotencyKey!, request!.Amount!.Value, cancellationToken);
        if (outcome.KeyReused)
        {
            return Problems.Refused(
                StatusCodes.Status422UnprocessableEntity, IdempotencyKeyReused,
                "This Idempotency-Key was already used for a deposit of another amount; nothing was deposited.");
        }

        return TypedResults.Ok(outcome.Wallet);
    }

    private static string? OwnerOf(ClaimsPrincipal user) =>
        user.FindFirstValue(AuthSettings.UserIdClaim) is { } userId && Ids.IsWellFormed(userId) ? userId : null;

    private static ProblemHttpResult NotAUser() =>
        Problems.Refused(StatusCodes.Status403Forbidden, "forbidden", "The token's sub is not a well-formed user id.");
}
