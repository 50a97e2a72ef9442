using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Commerce.ServiceDefaults.Data;

/// <summary>
/// Runs a read (GET, HEAD) again when it failed because its pooled database connection died with the old server.
/// </summary>
/// <remarks>
/// After PostgreSQL restarts, every idle connection in a pool is dead, and Npgsql finds that out one use at a time. A read
/// changes nothing, so it runs again on another connection: the pool is cleared first (idle connections closed, busy ones
/// retired when returned). One retry was not enough (3 reads of 200 in a restart test): Npgsql's <c>Clear</c> is not a
/// barrier. When many reads fail at once, all but one <c>Clear</c> return at once while the first is still draining,
/// and a rent does not look at the clear counter, so a retry can still draw a dead idle connection. Each dead connection
/// fails one read and is thrown away, so a read retried up to the pool's size ends on a live one; a refused connection
/// (the server is down, not restarted) ends the retries at once. The client never sees the restart. A write is not run
/// again: it answers 503 with Retry-After (<c>UnavailableExceptionHandler</c>), its transaction never committed, and the
/// client's retry with the same Idempotency-Key is the safe repeat.
/// </remarks>
public sealed partial class ReadRetryOnLostConnection(RequestDelegate next, ILogger<ReadRetryOnLostConnection> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await next(context);
                return;
            }
            catch (Exception exception) when (IsRead(context.Request) && !context.Response.HasStarted && LostConnection(exception)
                && context.RequestServices.GetService<NpgsqlDataSource>() is { } dataSource && attempt <= MaxPoolSize(dataSource))
            {
                LogRetried(context.Request.Method, context.Request.Path.Value ?? "", attempt);
                dataSource.Clear();
            }
        }
    }

    /// <summary>
    /// A pooled connection to PostgreSQL broke under the command (the server went away), as opposed to a refusal: a server
    /// that refuses new connections is down, and trying again at once only repeats the refusal.
    /// </summary>
    public static bool LostConnection(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is NpgsqlException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionRefused } })
            {
                return false;
            }

            if (exception is NpgsqlException { InnerException: IOException or SocketException or EndOfStreamException }
                || exception is PostgresException { SqlState: PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>How many dead connections the pool can hold at most, so how many retries may draw one.</summary>
    private static int MaxPoolSize(NpgsqlDataSource dataSource) =>
        new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).MaxPoolSize;

    private static bool IsRead(HttpRequest request) => HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);

    [LoggerMessage(LogLevel.Warning, "{Method} {Path} lost its database connection (the server restarted); reading again on another one (retry {Attempt})")]
    private partial void LogRetried(string method, string path, int attempt);
}
