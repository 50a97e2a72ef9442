using System.Net.Http.Headers;
using System.Text.Json;
using Commerce.ServiceDefaults.Auth;

namespace Commerce.LoadTests.Harness;

/// <summary>
/// The system a suite loads: the one already running (found from .commerce/endpoints.json or --target), or one the
/// suite starts itself (--start, and the replay suite for each setting): a fresh AppHost in its own state folder, with
/// the Gateway's rate limit lifted and the given settings, stopped with Ctrl+C's signal when the suite is done.
/// </summary>
public sealed class SystemUnderTest : IAsyncDisposable
{
    private static readonly TimeSpan StartBudget = TimeSpan.FromMinutes(3);
    private readonly AppHostProcess? appHost;

    private SystemUnderTest(
        Uri gateway, AuthSettings? auth, IReadOnlyDictionary<string, string> connectionStrings, string description, AppHostProcess? appHost, int? appHostPid,
        Uri? prometheus = null, Uri? operations = null)
    {
        Prometheus = prometheus;
        Operations = operations;
        Gateway = gateway;
        AppHostPid = appHostPid;
        Auth = auth;
        ConnectionStrings = connectionStrings;
        Description = description;
        this.appHost = appHost;
    }

    public Uri Gateway { get; }

    /// <summary>The system's Prometheus and operations page, when the suite started the system (the alert checks use them).</summary>
    public Uri? Prometheus { get; }

    public Uri? Operations { get; }

    /// <summary>The AppHost's process, parent of everything the system runs; null when only --target named the system.</summary>
    public int? AppHostPid { get; }

    public AuthSettings? Auth { get; }

    public IReadOnlyDictionary<string, string> ConnectionStrings { get; }

    /// <summary>For the reports: which system this was ("started with Orders__LockScope=Global", or where it was found).</summary>
    public string Description { get; }

    /// <summary>The running system the options name, or with --start a fresh one with <see cref="SuiteOptions.Settings"/>.</summary>
    public static Task<SystemUnderTest> OpenAsync(SuiteOptions options, CancellationToken cancellationToken = default) =>
        options.Start
            ? StartAsync(options, options.Settings, options.Suite, cancellationToken)
            : Task.FromResult(new SystemUnderTest(options.Target!, options.Auth, options.ConnectionStrings, options.TargetSource, null, options.AppHostPid));

    /// <summary>Starts a fresh system with <paramref name="settings"/> (environment for every service) and waits until it is healthy.</summary>
    public static async Task<SystemUnderTest> StartAsync(
        SuiteOptions options, IReadOnlyDictionary<string, string> settings, string label, CancellationToken cancellationToken = default)
    {
        var appHostDll = Path.Combine(options.RepoRoot, "AppHost", "bin", BuildConfiguration, "net10.0", "AppHost.dll");
        if (!File.Exists(appHostDll))
        {
            throw new UsageException($"--start needs the AppHost built ({appHostDll} is missing): dotnet build -c {BuildConfiguration} Commerce.sln");
        }

        var stateDirectory = Path.Combine(options.RepoRoot, ".commerce", "loadtests", label);
        Directory.CreateDirectory(stateDirectory);
        var endpointsPath = Path.Combine(stateDirectory, "endpoints.json");
        File.Delete(endpointsPath);
        var environment = new Dictionary<string, string?>
        {
            // Load, not abuse: the per-caller limit protects production from one client; here one harness is every client.
            ["RateLimiting__PermitLimit"] = "1000000000",
            ["MASSTRANSIT_USAGE_TELEMETRY"] = "false",
            // Under load a trace of every request and message costs more CPU than some services' own work; one in ten
            // keeps the dashboard's traces representative (metrics and logs are all kept). --set overrides it.
            ["Telemetry__TraceSampleRatio"] = "0.1",
            // The harness's own socket tuning (Program.cs) is not the system's configuration.
            [LoadHttp.InlineCompletionsVariable] = null,
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        var shown = settings.Count == 0 ? "defaults" : string.Join(", ", settings.Select(s => $"{s.Key}={s.Value}"));
        Console.WriteLine($"Starting a fresh system ({shown}) in {stateDirectory} …");
        var process = await AppHostProcess.StartAsync(appHostDll, stateDirectory, ["--fresh"], environment);
        try
        {
            await process.WaitUntilHealthyAsync(StartBudget, cancellationToken);
        }
        catch (Exception exception) when (exception is InvalidOperationException or TimeoutException or OperationCanceledException)
        {
            await process.StopAsync(AppHostProcess.SigTerm, TimeSpan.FromSeconds(30));
            throw new InvalidOperationException($"The system did not become healthy ({shown}): {exception.Message}");
        }

        // The AppHost writes endpoints.json by rename once every resource is healthy: a read sees a whole file.
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(endpointsPath, cancellationToken));
        var root = document.RootElement;
        var auth = root.GetProperty("auth");
        Console.WriteLine($"System up: {root.GetProperty("gateway").GetString()}");
        return new SystemUnderTest(
            new Uri(root.GetProperty("gateway").GetString()!),
            new AuthSettings(auth.GetProperty("issuer").GetString()!, auth.GetProperty("audience").GetString()!, auth.GetProperty("signingKey").GetString()!),
            SuiteOptions.ConnectionStringsOf(root),
            $"started by the suite ({shown})",
            process,
            process.Pid,
            OptionalUri(root, "prometheus"),
            OptionalUri(root, "operations"));
    }

    private static Uri? OptionalUri(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.GetString() is { Length: > 0 } url ? new Uri(url) : null;

    /// <summary>A client for the Gateway; with a user id it carries a bearer token for that user.</summary>
    public HttpClient CreateClient(string? userId = null, params string[] roles)
    {
        var client = LoadHttp.CreateClient(Gateway);
        if (userId is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", CreateToken(userId, roles));
        }

        return client;
    }

    /// <summary>A JWT the Gateway accepts, minted with the system's development signing key.</summary>
    public string CreateToken(string userId, params string[] roles) => DevelopmentTokens.Create(
        Auth ?? throw new UsageException("Tokens need the system's signing key: use --start, or the AppHost's endpoints.json (not --target alone)."),
        userId,
        roles,
        TimeSpan.FromHours(2));

    /// <summary>A database's connection string ("orderdb", "stockdb", …) for the invariant checks.</summary>
    public string ConnectionString(string name) => ConnectionStrings.TryGetValue(name, out var value)
        ? value
        : throw new UsageException($"No connection string for {name}: invariant checks need --start or the AppHost's endpoints.json (not --target alone).");

    /// <summary>Stops a system this suite started (as Ctrl+C would); a system found running is left alone.</summary>
    public async ValueTask DisposeAsync()
    {
        if (appHost is null)
        {
            return;
        }

        Console.WriteLine("Stopping the system the suite started …");
        await appHost.StopAsync(AppHostProcess.SigInt, TimeSpan.FromSeconds(60));
        await appHost.DisposeAsync();
    }

    /// <summary>Debug or Release: the AppHost started is the one built like this harness, so both are current.</summary>
    private static string BuildConfiguration => new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Release";
}
