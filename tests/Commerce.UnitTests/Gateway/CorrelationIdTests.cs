using Commerce.Gateway.Traffic;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Yarp.ReverseProxy.Forwarder;

namespace Commerce.UnitTests.Gateway;

/// <summary>The Gateway's one line per answer: Debug when all went well, Warning with the cause when it did not.</summary>
public sealed class CorrelationIdTests
{
    private static async Task<IReadOnlyList<FakeLogRecord>> AnswerAsync(Action<HttpContext> destination)
    {
        var logs = new FakeLogCollector();
        var services = new ServiceCollection()
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning).AddProvider(new FakeLoggerProvider(logs)))
            .BuildServiceProvider();
        var app = new ApplicationBuilder(services);
        app.UseCorrelationId();
        app.Run(context =>
        {
            destination(context);
            return Task.CompletedTask;
        });

        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Method = "POST";
        context.Request.Path = "/api/coupons/c/issue";
        context.Request.Headers[CorrelationId.HeaderName] = "abc123";
        await app.Build()(context);
        return logs.GetSnapshot();
    }

    [Fact]
    public async Task A_failed_forward_is_one_warning_with_its_step_its_cause_and_the_correlation_id()
    {
        var logs = await AnswerAsync(context =>
        {
            context.Features.Set<IForwarderErrorFeature>(
                new ForwardError(ForwarderError.Request, new HttpRequestException("outer", new IOException("connection reset"))));
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
        });

        var line = Assert.Single(logs);
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Contains("POST /api/coupons/c/issue answered 502", line.Message);
        Assert.Contains("Request after", line.Message);
        Assert.Contains("IOException: connection reset", line.Message);
        Assert.Contains("[abc123]", line.Message);
    }

    [Fact]
    public async Task A_forward_cut_after_the_answer_began_is_a_warning_too()
    {
        var logs = await AnswerAsync(context =>
        {
            context.Features.Set<IForwarderErrorFeature>(new ForwardError(ForwarderError.ResponseBodyDestination, new IOException("cut")));
            context.Response.StatusCode = StatusCodes.Status200OK;
        });

        Assert.Contains("ResponseBodyDestination after", Assert.Single(logs).Message);
    }

    [Fact]
    public async Task A_good_answer_logs_nothing_at_warning() =>
        Assert.Empty(await AnswerAsync(context => context.Response.StatusCode = StatusCodes.Status200OK));
}
