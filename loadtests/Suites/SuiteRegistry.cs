using Commerce.LoadTests.Harness;

namespace Commerce.LoadTests.Suites;

/// <summary>A suite: one file in Suites/ with <c>static Task&lt;int&gt; RunAsync(SuiteOptions)</c> returning the exit code.</summary>
public sealed record SuiteEntry(string Description, Func<SuiteOptions, Task<int>> RunAsync);

/// <summary>The suites <c>dotnet run --project loadtests -- &lt;suite&gt;</c> knows by name.</summary>
public static class SuiteRegistry
{
    public static IReadOnlyDictionary<string, SuiteEntry> All { get; } = new Dictionary<string, SuiteEntry>(StringComparer.OrdinalIgnoreCase)
    {
        ["calibrate"] = new(
            "GET /api/ping through the Gateway: closed model at --copies (50) for --duration (15s); --rate N for the open model; " +
            "--compare also runs wrk and hey", CalibrateSuite.RunAsync),
    };
}
