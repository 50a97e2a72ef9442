using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

using Commerce.Testing;

namespace Commerce.Tests;

/// <summary>What every service test checks on any answer: problem details, and counters on a service's /metrics.</summary>
public static class ServiceAssertions
{
    /// <summary>An RFC 9457 problem with the status, the stable <c>code</c> and, for 400s, the field it names.</summary>
    public static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code, string? field)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(code, problem.GetProperty("code").GetString());
        if (field is not null)
        {
            Assert.Equal(field, problem.GetProperty("field").GetString());
        }
    }

    /// <summary>A counter summed over every copy of a service (each copy counts only what it handled).</summary>
    public static async Task<double> CounterAsync(CommerceSystem system, string resource, string metric, string label)
    {
        var total = 0.0;
        foreach (var copy in await system.CopyUrlsAsync(resource))
        {
            total += await CounterAsync(copy, metric, label);
        }

        return total;
    }

    /// <summary>The sum of a Prometheus counter's or gauge's samples carrying <paramref name="label"/> (e.g. <c>outcome="reserved"</c>).</summary>
    public static async Task<double> CounterAsync(Uri service, string metric, string label)
    {
        using var client = new HttpClient { BaseAddress = service };
        var text = await client.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
        return text.Split('\n')
            .Where(line => line.StartsWith(metric + "{", StringComparison.Ordinal) && line.Contains(label, StringComparison.Ordinal))
            .Sum(line => double.Parse(line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture));
    }
}
