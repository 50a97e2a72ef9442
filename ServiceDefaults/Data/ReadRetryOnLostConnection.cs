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
/// After PostgreSQL restarts, every idle connection in a pool is dead, and Npgsql only learns it when one is used: it
/// then clears the pool, but the requests that already held a dead connection fail. A read changes nothing, so running
/// it again (on a fresh connection, the pool cleared first) is safe and the client never sees the restart. A write is not run again: it answers
/// 503 with Retry-After (<c>UnavailableExceptionHandler</c>), its transaction never committed, and the client's retry
/// with the same Idempotency-Key is the safe repeat.
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
            // Every idle connection in the pool died with the same server, and Npgsql finds that out one use at a time: a
            // retry that drew the next dead one failed again (2 reads of 200 in a restart test). Clearing the pool closes
            // the idle ones and retires the busy ones, so the retry opens a fresh connection.
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
