using Commerce.Gateway.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Timeouts;
using Yarp.ReverseProxy.Forwarder;

namespace Commerce.UnitTests.Gateway;

/// <summary>What the storefront reads when YARP could not finish a forward (docs/api.md, Retries).</summary>
public sealed class ForwardFailureAnswerTests
{
    private sealed class RequestTimeout(bool fired) : IHttpRequestTimeoutFeature
    {
        public CancellationToken RequestTimeoutToken { get; } = new(fired);
        public void DisableTimeout() { }
    }

    /// <summary>Runs the answer around a forward that failed the way YARP reports it: its error and its status.</summary>
    private static async Task<int> AnswerAsync(ForwarderError error, int yarpStatus, bool timedOut = false, bool clientGone = false)
    {
        var context = new DefaultHttpContext { RequestAborted = new CancellationToken(timedOut || clientGone) };
        context.Features.Set<IHttpRequestTimeoutFeature>(new RequestTimeout(timedOut));
        await StorefrontRoutes.AnswerForTheDestination(context, () =>
        {
            context.Features.Set<IForwarderErrorFeature>(new ForwardError(error));
            context.Response.StatusCode = yarpStatus;
            return Task.CompletedTask;
        });
        return context.Response.StatusCode;
    }

    [Theory]
    [InlineData(ForwarderError.RequestCanceled)]
    [InlineData(ForwarderError.RequestBodyCanceled)]
    [InlineData(ForwarderError.RequestBodyClient)]
    public async Task A_forward_cut_by_the_gateways_request_timeout_is_504_not_400(ForwarderError error) =>
        Assert.Equal(StatusCodes.Status504GatewayTimeout, await AnswerAsync(error, StatusCodes.Status400BadRequest, timedOut: true));

    [Theory]
    [InlineData(ForwarderError.RequestBodyClient)]
    [InlineData(ForwarderError.RequestBodyCanceled)]
    public async Task A_body_copy_that_failed_while_the_client_is_still_there_is_the_services_failure_502(ForwarderError error) =>
        Assert.Equal(StatusCodes.Status502BadGateway, await AnswerAsync(error, StatusCodes.Status400BadRequest));

    [Fact]
    public async Task A_client_that_went_away_keeps_yarps_answer() =>
        Assert.Equal(StatusCodes.Status400BadRequest, await AnswerAsync(ForwarderError.RequestBodyClient, StatusCodes.Status400BadRequest, clientGone: true));

    [Fact]
    public async Task A_forward_that_worked_keeps_the_services_answer()
    {
        var context = new DefaultHttpContext();
        await StorefrontRoutes.AnswerForTheDestination(context, () =>
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return Task.CompletedTask;
        });

        Assert.Equal(StatusCodes.Status400BadRequest, context.Response.StatusCode);
    }
}
