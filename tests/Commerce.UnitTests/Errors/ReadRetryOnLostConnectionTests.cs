using System.Net.Sockets;
using Commerce.ServiceDefaults.Data;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Commerce.UnitTests.Errors;

/// <summary>Which failed reads run again after a database restart, and how often (no server: the pool never connects).</summary>
public sealed class ReadRetryOnLostConnectionTests
{
    private const int PoolSize = 5;

    private static readonly Exception DeadConnection =
        new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", PostgresErrorCodes.AdminShutdown);

    private static readonly Exception BrokenSocket =
        new NpgsqlException("Exception while reading from stream", new EndOfStreamException());

    private static readonly Exception Refused =
        new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused));

    [Fact]
    public void A_connection_the_old_server_closed_is_lost_but_a_refusal_or_a_bad_query_is_not()
    {
        Assert.True(ReadRetryOnLostConnection.LostConnection(DeadConnection));
        Assert.True(ReadRetryOnLostConnection.LostConnection(new InvalidOperationException("EF wrapped it", BrokenSocket)));
        Assert.False(ReadRetryOnLostConnection.LostConnection(Refused));
        Assert.False(ReadRetryOnLostConnection.LostConnection(
            new PostgresException("syntax error", "ERROR", "ERROR", PostgresErrorCodes.SyntaxError)));
    }

    [Fact]
    public async Task A_read_that_draws_dead_connections_in_a_row_runs_until_it_reaches_a_live_one()
    {
        // Three dead connections in a row: what a retry met when a concurrent Clear had not yet drained the pool.
        var (attempts, failure) = await ReadAsync(HttpMethods.Get, failures: [DeadConnection, BrokenSocket, DeadConnection]);

        Assert.Null(failure);
        Assert.Equal(4, attempts);
    }

    [Fact]
    public async Task A_read_stops_at_a_refusal_and_after_as_many_retries_as_the_pool_holds_connections()
    {
        var (refusedAttempts, refused) = await ReadAsync(HttpMethods.Get, failures: [DeadConnection, Refused, DeadConnection]);
        Assert.Same(Refused, refused);
        Assert.Equal(2, refusedAttempts);

        var (deadAttempts, dead) = await ReadAsync(HttpMethods.Get, failures: Enumerable.Repeat(DeadConnection, 50).ToArray());
        Assert.Same(DeadConnection, dead);
        Assert.Equal(PoolSize + 1, deadAttempts);
    }

    [Fact]
    public async Task A_write_is_never_run_again()
    {
        var (attempts, failure) = await ReadAsync(HttpMethods.Post, failures: [DeadConnection]);

        Assert.Same(DeadConnection, failure);
        Assert.Equal(1, attempts);
    }

    private static async Task<(int Attempts, Exception? Failure)> ReadAsync(string method, Exception[] failures)
    {
        await using var services = new ServiceCollection()
            .AddSingleton(NpgsqlDataSource.Create($"Host=localhost;Database=none;Maximum Pool Size={PoolSize}"))
            .BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Method = method;
        var attempts = 0;
        var middleware = new ReadRetryOnLostConnection(
            _ =>
            {
                if (attempts < failures.Length) throw failures[attempts++];
                attempts++;
                return Task.CompletedTask;
            },
            NullLogger<ReadRetryOnLostConnection>.Instance);
        try
        {
            await middleware.InvokeAsync(context);
            return (attempts, null);
        }
        catch (Exception exception)
        {
            return (attempts, exception);
        }
    }
}
