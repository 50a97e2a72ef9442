using Commerce.ServiceDefaults.Errors;
using Npgsql;
using StackExchange.Redis;

namespace Commerce.UnitTests.Errors;

/// <summary>Which exceptions answer 503 unavailable (retry later) rather than 500.</summary>
public sealed class TransientFailureTests
{
    [Fact]
    public void PostgreSQL_refusing_more_clients_is_transient_even_wrapped()
    {
        var tooManyClients = new PostgresException("sorry, too many clients already", "FATAL", "FATAL", PostgresErrorCodes.TooManyConnections);
        var wrapped = new InvalidOperationException("An exception has been raised that is likely due to a transient failure.", tooManyClients);

        Assert.Same(tooManyClients, Problems.TransientInfrastructureFailure(wrapped));
    }

    [Fact]
    public void Redis_away_and_timeouts_are_transient()
    {
        Assert.NotNull(Problems.TransientInfrastructureFailure(new RedisConnectionException(ConnectionFailureType.SocketFailure, "No connection")));
        Assert.NotNull(Problems.TransientInfrastructureFailure(new TimeoutException("pool exhausted")));
    }

    [Fact]
    public void A_constraint_violation_or_a_bug_is_not()
    {
        var duplicate = new PostgresException("duplicate key", "ERROR", "ERROR", PostgresErrorCodes.UniqueViolation);

        Assert.Null(Problems.TransientInfrastructureFailure(duplicate));
        Assert.Null(Problems.TransientInfrastructureFailure(new InvalidOperationException("a bug")));
        Assert.Null(Problems.TransientInfrastructureFailure(new NullReferenceException()));
    }
}
