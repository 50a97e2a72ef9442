using System.Globalization;
using System.Text.Json;
using Commerce.ServiceDefaults.Auth;

namespace Commerce.LoadTests.Harness;

/// <summary>A command line that cannot be run; Program prints it with the usage and exits with 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// What a suite is told: where the system is (--target, or the AppHost's .commerce/endpoints.json), how to mint tokens
/// for it, the overrides for its load (--duration, --rate, --copies) and where the reports go.
/// </summary>
public sealed record SuiteOptions
{
    public required string Suite { get; init; }

    /// <summary>The Gateway's base address; null with --start, where the started system tells it.</summary>
    public Uri? Target { get; init; }

    /// <summary>Where <see cref="Target"/> came from: "--target", the endpoints file's path, or "--start".</summary>
    public required string TargetSource { get; init; }

    /// <summary>The databases' connection strings from the endpoints file, for the suites' invariant checks.</summary>
    public IReadOnlyDictionary<string, string> ConnectionStrings { get; init; } = new Dictionary<string, string>();

    /// <summary>--start: the suite starts its own system (the AppHost, fresh, in its own state folder) and stops it after.</summary>
    public bool Start { get; init; }

    /// <summary>--set KEY=VALUE: configuration for a system the suite starts, e.g. Orders__LockScope=Global.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>The repository: where the AppHost the suite starts is built, and where .commerce/ lives.</summary>
    public string RepoRoot { get; init; } = Directory.GetCurrentDirectory();

    /// <summary>The token settings from the endpoints file; null with --target alone.</summary>
    public AuthSettings? Auth { get; init; }

    public TimeSpan? Duration { get; init; }

    public int? Rate { get; init; }

    public int? Copies { get; init; }

    /// <summary>lunch-rush and coupon-rush: run on a fresh system with one copy of every service, then with this many.</summary>
    public int? Replicas { get; init; }

    public bool Compare { get; init; }

    /// <summary>calibrate --compare: how many rounds of harness, wrk and hey.</summary>
    public int Rounds { get; init; } = 3;

    /// <summary>calibrate --compare --split-cores: the system on one core, the load generators on the others.</summary>
    public bool SplitCores { get; init; }

    /// <summary>The running AppHost's pid from the endpoints file (to find the system's processes); null otherwise.</summary>
    public int? AppHostPid { get; init; }

    /// <summary>gate: record this run's figures as loadtests/baseline.json.</summary>
    public bool WriteBaseline { get; init; }

    public required string ReportDir { get; init; }

    public static string Usage => """
        options:
          --target URL       the Gateway (default: "gateway" in .commerce/endpoints.json, written by the AppHost)
          --endpoints FILE   another endpoints.json (an AppHost started with --state-dir); also gives the token settings
          --duration TIME    load duration, e.g. 30s, 2m, 500ms (suite default otherwise)
          --rate N           open model: requests per second
          --copies N         closed model: virtual users
          --start            start a fresh system for this run (the AppHost, built with this configuration) and stop it after
          --set KEY=VALUE    with --start: configuration for every service, e.g. Orders__LockScope=Global (repeatable)
          --compare          calibrate: then harness, wrk and hey on the same URL in rotating rounds, compared
          --rounds N         with --compare: how many rounds (default 3)
          --split-cores      with --compare: the system on the first core, harness, wrk and hey on the others
          --write-baseline   gate: record this run's figures as loadtests/baseline.json
          --report-dir DIR   default: artifacts/loadtests/<suite>-<UTC timestamp>/ under the repository root
        """;

    /// <summary>Parses the options after the suite name. <paramref name="repoRoot"/> is where .commerce/ and artifacts/ live.</summary>
    public static SuiteOptions Parse(string suite, IReadOnlyList<string> args, string repoRoot, DateTime utcNow)
    {
        var values = new Dictionary<string, string>();
        var compare = false;
        var splitCores = false;
        var start = false;
        var writeBaseline = false;
        var settings = new Dictionary<string, string>();
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--compare":
                    compare = true;
                    break;
                case "--split-cores":
                    splitCores = true;
                    break;
                case "--start":
                    start = true;
                    break;
                case "--write-baseline":
                    writeBaseline = true;
                    break;
                case "--set" when i + 1 < args.Count && args[i + 1].IndexOf('=', StringComparison.Ordinal) > 0:
                    var setting = args[++i];
                    settings[setting[..setting.IndexOf('=', StringComparison.Ordinal)]] = setting[(setting.IndexOf('=', StringComparison.Ordinal) + 1)..];
                    break;
                case "--target" or "--endpoints" or "--duration" or "--rate" or "--copies" or "--rounds" or "--report-dir" or "--replicas" when i + 1 < args.Count:
                    values[args[i]] = args[++i];
                    break;
                default:
                    throw new UsageException($"unknown option or missing value: {args[i]}");
            }
        }

        var endpointsFile = values.GetValueOrDefault("--endpoints") ?? Path.Combine(repoRoot, ".commerce", "endpoints.json");
        using var document = ReadEndpoints(endpointsFile);
        var endpoints = document?.RootElement;
        if (settings.Count > 0 && !start)
        {
            throw new UsageException("--set configures a system the suite starts: add --start.");
        }

        if (splitCores && !compare)
        {
            throw new UsageException("--split-cores separates the system from the load generators of --compare: add --compare.");
        }

        var target = start ? null
            : values.GetValueOrDefault("--target")
            ?? endpoints?.GetPropertyOrNull("gateway")?.GetString()
            ?? throw new UsageException(
                $"no target: pass --target http://host:port, --start, or start the AppHost (it writes {endpointsFile}).");

        return new SuiteOptions
        {
            Suite = suite,
            Target = target is null ? null
                : Uri.TryCreate(target, UriKind.Absolute, out var uri) ? uri : throw new UsageException($"--target is not a URL: {target}"),
            TargetSource = start ? "--start" : values.ContainsKey("--target") ? "--target" : endpointsFile,
            ConnectionStrings = start || values.ContainsKey("--target") ? new Dictionary<string, string>() : ConnectionStringsOf(endpoints),
            Start = start,
            Settings = settings,
            RepoRoot = repoRoot,
            Auth = !start && endpoints?.GetPropertyOrNull("auth") is { } auth
                ? new AuthSettings(Text(auth, "issuer"), Text(auth, "audience"), Text(auth, "signingKey"))
                : null,
            Duration = values.TryGetValue("--duration", out var duration) ? ParseDuration(duration) : null,
            Rate = values.TryGetValue("--rate", out var rate) ? Positive("--rate", rate) : null,
            Copies = values.TryGetValue("--copies", out var copies) ? Positive("--copies", copies) : null,
            Replicas = values.TryGetValue("--replicas", out var replicas) ? Positive("--replicas", replicas) : null,
            Compare = compare,
            Rounds = values.TryGetValue("--rounds", out var rounds) ? Positive("--rounds", rounds) : 3,
            SplitCores = splitCores,
            AppHostPid = !start && !values.ContainsKey("--target") && endpoints?.GetPropertyOrNull("appHostPid") is { ValueKind: JsonValueKind.Number } pid
                ? pid.GetInt32()
                : null,
            WriteBaseline = writeBaseline,
            ReportDir = values.GetValueOrDefault("--report-dir")
                ?? Path.Combine(repoRoot, "artifacts", "loadtests", $"{suite}-{utcNow:yyyyMMdd-HHmmss}"),
        };
    }

    /// <summary>"30s", "2m", "500ms", "1h", or a bare number of seconds.</summary>
    public static TimeSpan ParseDuration(string text)
    {
        (string Suffix, double Seconds)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("", 1)];
        foreach (var (suffix, seconds) in units)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                && value > 0)
            {
                return TimeSpan.FromSeconds(value * seconds);
            }
        }

        throw new UsageException($"not a duration: {text} (try 30s, 2m or 500ms)");
    }

    /// <summary>The "connectionStrings" object of an endpoints file (the AppHost's, or a started system's).</summary>
    public static Dictionary<string, string> ConnectionStringsOf(JsonElement? endpoints) =>
        endpoints?.GetPropertyOrNull("connectionStrings") is { ValueKind: JsonValueKind.Object } strings
            ? strings.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String).ToDictionary(p => p.Name, p => p.Value.GetString()!)
            : [];

    private static JsonDocument? ReadEndpoints(string path)
    {
        try
        {
            return File.Exists(path) ? JsonDocument.Parse(File.ReadAllText(path)) : null;
        }
        catch (JsonException e)
        {
            throw new UsageException($"{path} is not valid JSON: {e.Message}");
        }
    }

    private static int Positive(string option, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new UsageException($"{option} needs a positive whole number, not {text}");

    private static string Text(JsonElement element, string name) =>
        element.GetPropertyOrNull(name)?.GetString() ?? throw new UsageException($"endpoints.json: auth.{name} is missing");
}

internal static class JsonElementExtensions
{
    public static JsonElement? GetPropertyOrNull(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : null;
}

/// <summary>The repository root: the nearest folder upwards holding Commerce.sln.</summary>
public static class RepoRoot
{
    public static string Find(params string[] startingPoints)
    {
        foreach (var start in startingPoints)
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Commerce.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        return Directory.GetCurrentDirectory();
    }
}

/// <summary>HTTP clients tuned for load: one shared connection pool, no proxy, no cookies, no connection limit.</summary>
public static class LoadHttp
{
    /// <summary>Set by Program for the harness only: services keep the runtime's default (see Program.cs).</summary>
    public const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    private static readonly SocketsHttpHandler Handler = new()
    {
        UseProxy = false,
        UseCookies = false,
        MaxConnectionsPerServer = int.MaxValue,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>Requests time out after 30 s and count as "timeout" failures.</summary>
    public static HttpClient CreateClient(Uri baseAddress) =>
        new(Handler, disposeHandler: false) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
}
