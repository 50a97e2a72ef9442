using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Commerce.ServiceDefaults.Data;

/// <summary>
/// Runs a read (GET, HEAD) once more when it failed because its pooled database connection died with the old server.
/// </summary>
/// <remarks>
/// After PostgreSQL restarts, every idle connection in a pool is dead, and Npgsql finds that out one use at a time. A read
/// changes nothing, so it runs again on a fresh connection: the pool is cleared first (idle connections closed, busy ones
/// retired when returned), because a retry that drew the next dead connection failed again (2 reads of 200 in a restart
/// test). The client never sees the restart. A write is not run again: it answers 503 with Retry-After
/// (<c>UnavailableExceptionHandler</c>), its transaction never committed, and the client's retry with the same
/// Idempotency-Key is the safe repeat.
/// </remarks>
public sealed partial class ReadRetryOnLostConnection(RequestDelegate next, ILogger<ReadRetryOnLostConnection> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception exception) when (IsRead(context.Request) && !context.Response.HasStarted && LostConnection(exception))
        {
            LogRetried(context.Request.Method, context.Request.Path.Value ?? "");
            context.RequestServices.GetService<NpgsqlDataSource>()?.Clear();
            await next(context);
        }
    }

    /// <summary>The connection to PostgreSQL broke under the command (the server went away), as opposed to a refusal.</summary>
    public static bool LostConnection(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is NpgsqlException { InnerException: IOException or SocketException or EndOfStreamException }
                || exception is PostgresException { SqlState: PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown })
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsRead(HttpRequest request) => HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);

    [LoggerMessage(LogLevel.Warning, "{Method} {Path} lost its database connection (the server restarted); reading again on a fresh one")]
    private partial void LogRetried(string method, string path);
}
