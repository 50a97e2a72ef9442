using System.Security.Claims;
using Commerce.Contracts;
using Commerce.Order.Telemetry;
using Commerce.ServiceDefaults.Auth;
using Commerce.ServiceDefaults.Errors;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Commerce.Order.Placing;

public static class PlaceOrderEndpoint
{
    /// <summary>
    /// <c>POST /api/orders</c>: validate, wait for room among the Pending orders (bounded), read the prices from Stock
    /// (bounded, best effort), take the caller's lock (bounded wait), place or replay, answer 202.
    /// </summary>
    public static RouteGroupBuilder MapPlaceOrder(this RouteGroupBuilder orders)
    {
        orders.MapPost("/", PlaceAsync)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return orders;
    }

    private static async Task<Results<Accepted<PlacedOrder>, Ok<PlacedOrder>, ValidationProblem, ProblemHttpResult>> PlaceAsync(
        PlaceOrderRequest? request,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        ClaimsPrincipal user,
        OrderAdmission admission,
        PerUserOrderLock orderLock,
        OrderPlacement placement,
        ProductPrices prices,
        OrderMetrics metrics,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        if (PlaceOrderValidation.FirstProblem(request, idempotencyKey) is { } problem)
        {
            return Problems.Invalid(problem.Field, problem.Message);
        }

        // Before the lock: a request waiting for room must not hold its user's lock meanwhile.
        using var admitted = await admission.TryEnterAsync(cancellationToken);
        if (admitted is null)
        {
            http.Response.Headers.RetryAfter = "1";
            metrics.OrderTurnedAway();
            return Problems.Refused(StatusCodes.Status503ServiceUnavailable, "orders_busy",
                "Too many orders are being processed right now; nothing was placed. Retry after the time in Retry-After.");
        }

        // Read while the lock is being taken: the two waits overlap (a refused lock leaves the read to its budget,
        // Orders__PriceReadBudgetMilliseconds).
        var readingPrices = prices.TryReadAsync(request!.Items!.Select(item => new OrderLine(item.ProductId!, item.Quantity)), cancellationToken);
        var userId = user.UserId();
        await using var held = await orderLock.TryAcquireAsync(userId, cancellationToken);
        if (held is null)
        {
            http.Response.Headers.RetryAfter = "1";
            return Problems.Refused(StatusCodes.Status409Conflict, "order_in_progress",
                "Another order of yours is being placed; retry after the time in Retry-After.");
        }

        var outcome = await placement.PlaceAsync(userId, idempotencyKey!, request!, await readingPrices, cancellationToken);
        if (outcome is PlacementOutcome.Accepted placed && orderLock.HoldsUntilFinal)
        {
            // The incident's code (Orders__LockScope=Global): the one lock stays held until the order is final.
            await placement.WaitUntilFinalAsync(placed.OrderId, orderLock.Expiry, cancellationToken);
        }

        return outcome switch
        {
            PlacementOutcome.Accepted accepted => TypedResults.Accepted($"/api/orders/{accepted.OrderId}", new PlacedOrder(accepted.OrderId, "Pending")),
            PlacementOutcome.Repeated repeated => Repeated(http, repeated),
            _ => Problems.Refused(StatusCodes.Status422UnprocessableEntity, "idempotency_key_reused",
                "This Idempotency-Key was used for a different order."),
        };
    }

    private static Ok<PlacedOrder> Repeated(HttpContext http, PlacementOutcome.Repeated repeated)
    {
        http.Response.Headers.Location = $"/api/orders/{repeated.OrderId}";
        return TypedResults.Ok(new PlacedOrder(repeated.OrderId, repeated.Status));
    }
}
