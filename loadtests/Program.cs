using Commerce.LoadTests.Harness;
using Commerce.LoadTests.Suites;

// dotnet run -c Release --project loadtests -- <suite> [options]

// Socket completions run on the socket engine's thread instead of hopping to the thread pool. Measured on two cores
// (calibrate --compare): the harness then spends about 40 µs of CPU per request instead of 100, which the system under
// test on the same cores gets back. The runtime reads the variable when the first socket is made, so before anything
// else; the systems a suite starts do not inherit it (SystemUnderTest).
Environment.SetEnvironmentVariable(LoadHttp.InlineCompletionsVariable, "1");
if (args.Length == 0 || args[0] is "-h" or "--help" or "help" or "list")
{
    Console.WriteLine("usage: dotnet run -c Release --project loadtests -- <suite> [options]");
    Console.WriteLine();
    Console.WriteLine("suites:");
    foreach (var (name, suite) in SuiteRegistry.All)
    {
        Console.WriteLine($"  {name,-14} {suite.Description}");
    }

    Console.WriteLine();
    Console.WriteLine(SuiteOptions.Usage);
    return args.Length == 0 ? 2 : 0;
}

if (!SuiteRegistry.All.TryGetValue(args[0], out var entry))
{
    Console.Error.WriteLine($"unknown suite {args[0]}; known: {string.Join(", ", SuiteRegistry.All.Keys)}");
    return 2;
}

try
{
    var repoRoot = RepoRoot.Find(Directory.GetCurrentDirectory(), AppContext.BaseDirectory);
    string[] suiteArgs = entry.StartsItsOwnSystems && !args.Contains("--start") ? [.. args[1..], "--start"] : args[1..];
    return await entry.RunAsync(SuiteOptions.Parse(args[0].ToLowerInvariant(), suiteArgs, repoRoot, DateTime.UtcNow));
}
catch (UsageException usage)
{
    Console.Error.WriteLine(usage.Message);
    Console.Error.WriteLine(SuiteOptions.Usage);
    return 2;
}
catch (Exception exception)
{
    // Not a verdict on the system: it could not be measured (did not start, went away). Scripts tell 3 from 1.
    Console.Error.WriteLine($"The suite could not run: {exception}");
    return 3;
}
