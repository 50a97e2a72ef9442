using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using StackExchange.Redis;

namespace Commerce.ServiceDefaults.Errors;

/// <summary>RFC 9457 problem answers with the stable <c>code</c> extension every client can switch on.</summary>
public static class Problems
{
    public const string ValidationFailed = "validation_failed";

    /// <summary>400 naming the field that is wrong.</summary>
    public static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(
            new Dictionary<string, string[]> { [field] = [message] },
            title: $"'{field}' is invalid: {message}",
            extensions: new Dictionary<string, object?> { ["code"] = ValidationFailed, ["field"] = field });

    /// <summary>Any other refusal: <paramref name="code"/> is the stable machine-readable reason.</summary>
    public static ProblemHttpResult Refused(int status, string code, string title) =>
        TypedResults.Problem(title: title, statusCode: status, extensions: new Dictionary<string, object?> { ["code"] = code });

    public static ProblemHttpResult NotFound(string what) =>
        Refused(StatusCodes.Status404NotFound, "not_found", $"{what} was not found.");

    /// <summary>The exception itself or one it wraps (EF Core wraps Npgsql's) that a retry may cure.</summary>
    public static Exception? TransientInfrastructureFailure(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            // A connection cut under a command (Redis or PostgreSQL restarting) can also surface as the socket's own error.
            if (exception is NpgsqlException { IsTransient: true } or RedisConnectionException or RedisTimeoutException or TimeoutException
                or System.Net.Sockets.SocketException || IsRedisWriteOnBrokenConnection(exception))
            {
                return exception;
            }
        }

        return null;
    }

    /// <summary>
    /// StackExchange.Redis writing a command to a connection Redis has just dropped: its pipe is completed and the write
    /// throws InvalidOperationException ("Writing is not allowed after writer was completed") instead of a
    /// RedisConnectionException. A Redis kill mid coupon rush answered nine issues 500 with it.
    /// </summary>
    private static bool IsRedisWriteOnBrokenConnection(Exception exception) =>
        exception is InvalidOperationException
        && new System.Diagnostics.StackTrace(exception).GetFrames()
            .Any(frame => frame.GetMethod()?.DeclaringType?.Assembly == typeof(IConnectionMultiplexer).Assembly);

    public static TBuilder AddCommerceProblemDetails<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Extensions.TryAdd("code", CodeFor(context.ProblemDetails.Status));
            if (context.HttpContext.Request.Headers.TryGetValue("X-Correlation-Id", out var correlationId))
            {
                context.ProblemDetails.Extensions.TryAdd("correlationId", correlationId.ToString());
            }
        });
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        builder.Services.AddExceptionHandler<UnavailableExceptionHandler>();
        return builder;
    }

    private static string CodeFor(int? status) => status switch
    {
        400 => ValidationFailed,
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        429 => "rate_limited",
        503 => "unavailable",
        _ => "error",
    };

    /// <summary>
    /// A body that is not valid JSON for the request type is the client's fault: answer 400 naming the JSON path,
    /// not 500.
    /// </summary>
    private sealed class BadRequestExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            if (exception is not BadHttpRequestException badRequest)
            {
                return false;
            }

            var field = (badRequest.InnerException as JsonException)?.Path?.TrimStart('$', '.') ?? "body";
            if (field.Length == 0)
            {
                field = "body";
            }

            httpContext.Response.StatusCode = badRequest.StatusCode;
            return await problemDetails.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                ProblemDetails =
                {
                    Status = badRequest.StatusCode,
                    Title = $"'{field}' is invalid: the request body could not be read.",
                    Detail = badRequest.InnerException?.Message ?? badRequest.Message,
                    Extensions = { ["code"] = ValidationFailed, ["field"] = field },
                },
            });
        }
    }

    /// <summary>
    /// PostgreSQL or Redis away for a moment (a restart, a full connection pool, a timeout) is not a bug in the request:
    /// answer 503 <c>unavailable</c> with Retry-After, so clients retry, instead of a 500 that reads as a defect.
    /// </summary>
    private sealed class UnavailableExceptionHandler(IProblemDetailsService problemDetails, ILogger<UnavailableExceptionHandler> logger)
        : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            // StackExchange.Redis 2.x cancels a command whose connection broke under it; the client is still waiting, so that
            // is the data store away for a moment too, not a request the client gave up on.
            var cause = TransientInfrastructureFailure(exception)
                ?? (exception is OperationCanceledException && !httpContext.RequestAborted.IsCancellationRequested ? exception : null);
            if (cause is null)
            {
                return false;
            }

            logger.LogWarning("{Method} {Path} answered 503: {Error}: {Message}",
                httpContext.Request.Method, httpContext.Request.Path, cause.GetType().Name, cause.Message);
            httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            httpContext.Response.Headers.RetryAfter = "1";
            return await problemDetails.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                ProblemDetails =
                {
                    Status = StatusCodes.Status503ServiceUnavailable,
                    Title = "The service cannot reach its data for a moment; try again.",
                    Extensions = { ["code"] = "unavailable" },
                },
            });
        }
    }
}
