using System.Globalization;

namespace Commerce.LoadTests.Harness;

/// <summary>What one scenario invocation or step answered: OK or failed, under a status code ("200", "409", "timeout").</summary>
public sealed record Response(bool IsError, string StatusCode, string? Message = null)
{
    public static Response Ok(int statusCode = 200) => new(false, Code(statusCode));

    public static Response Ok(string statusCode) => new(false, statusCode);

    public static Response Fail(int statusCode, string message) => new(true, Code(statusCode), message);

    public static Response Fail(string statusCode, string message) => new(true, statusCode, message);

    /// <summary>OK for a 2xx answer, otherwise a failure under the HTTP status code.</summary>
    public static Response From(HttpResponseMessage response) =>
        response.IsSuccessStatusCode
            ? Ok((int)response.StatusCode)
            : Fail((int)response.StatusCode, response.ReasonPhrase ?? "");

    /// <summary>
    /// Turns an exception out of scenario code into a failure. <paramref name="testEnding"/> is true when the harness
    /// cancelled the invocation because the test was over: that is "unfinished", not the system's fault or merit.
    /// </summary>
    public static Response FromException(Exception exception, bool testEnding) => exception switch
    {
        OperationCanceledException when testEnding => Fail("unfinished", "still running when the test ended"),
        // HttpClient.Timeout surfaces as a cancellation whose inner exception is a TimeoutException.
        OperationCanceledException { InnerException: TimeoutException } => Fail("timeout", exception.Message),
        _ => Fail(exception.GetType().Name, exception.Message),
    };

    private static string Code(int statusCode) => statusCode.ToString(CultureInfo.InvariantCulture);
}
