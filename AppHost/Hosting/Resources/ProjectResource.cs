using System.Globalization;
using System.Reflection;

namespace Commerce.AppHost.Hosting.Resources;

/// <summary>
/// One of our services, run from its build output with .NET Aspire's variables: <c>ConnectionStrings__*</c> and
/// <c>services__*__http__0</c> for what it references, <c>ASPNETCORE_URLS</c>, <c>OTEL_SERVICE_NAME</c>, and the JWT settings.
/// </summary>
public sealed class ProjectResource(string name, string projectDirectory) : Resource(name), IResourceWithHttpEndpoint
{
    private readonly Dictionary<string, string> environment = [];
    private int port;
    private ChildProcess? process;

    public override string Kind => "project";
    public string ProjectDirectory { get; } = projectDirectory;
    public List<IResourceWithConnectionString> ConnectionReferences { get; } = [];
    public List<IResourceWithHttpEndpoint> ServiceReferences { get; } = [];
    public bool IsGateway { get; set; }
    public string HttpUrl => $"http://127.0.0.1:{port}";
    public override string? DisplayUrl => HttpUrl;
    public override int? ProcessId => process?.Pid;
    public override Task Exited => process?.Exited ?? base.Exited;

    public void SetEnvironment(string key, string value) => environment[key] = value;

    public override Task PrepareAsync(HostContext context, CancellationToken cancellationToken)
    {
        port = HostContext.FreeLoopbackPort();
        return Task.CompletedTask;
    }

    public override async Task StartAsync(HostContext context, CancellationToken cancellationToken)
    {
        var assemblyName = Path.GetFileName(ProjectDirectory.TrimEnd('/'));
        var output = Path.Combine(context.RepositoryRoot, ProjectDirectory, "bin", BuildConfiguration, "net10.0", assemblyName + ".dll");
        if (!File.Exists(output))
        {
            throw new InvalidOperationException($"{output} is missing: build the solution first (dotnet build Commerce.sln -c {BuildConfiguration}).");
        }

        process = await ChildProcess.StartAsync(
            new ProcessSpec(DotnetHost.Path, [output]) { Environment = Environment(context), WorkingDirectory = Path.GetDirectoryName(output) },
            context.LogFor(Name));
    }

    private Dictionary<string, string?> Environment(HostContext context)
    {
        var variables = new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = HttpUrl,
            ["OTEL_SERVICE_NAME"] = Name,
            ["Auth__Issuer"] = HostContext.JwtIssuer,
            ["Auth__Audience"] = HostContext.JwtAudience,
            ["Auth__SigningKey"] = context.JwtSigningKey,
            // One record per line in .commerce/logs, so grep finds a whole record; the options apply only once a
            // formatter is named.
            ["Logging__Console__FormatterName"] = "simple",
            ["Logging__Console__FormatterOptions__SingleLine"] = "true",
            ["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ",
        };
        // Sensible defaults a developer can still override from the AppHost's own environment.
        SetDefault(variables, "ASPNETCORE_ENVIRONMENT", "Development");
        SetDefault(variables, "Logging__LogLevel__Microsoft.AspNetCore", "Warning");
        SetDefault(variables, "Logging__LogLevel__Microsoft.EntityFrameworkCore", "Warning");
        SetDefault(variables, "Logging__LogLevel__Yarp", "Warning");
        // The runtime holds back optimising hot methods while new methods keep being called ("startup-like activity"),
        // and a rush on a fresh system is exactly that: its first seconds ran unoptimised code. Without the delay a
        // fresh system's coupon rush answered 2,600-3,000/s instead of 1,700-1,900 (loadtests/README.md).
        SetDefault(variables, "DOTNET_TC_CallCountingDelayMs", "0");
        foreach (var reference in ConnectionReferences)
        {
            variables[$"ConnectionStrings__{reference.Name}"] = reference.ConnectionString;
        }

        foreach (var reference in ServiceReferences)
        {
            variables[$"services__{reference.Name}__http__0"] = reference.HttpUrl;
        }

        foreach (var (key, value) in environment)
        {
            variables[key] = value;
        }

        return variables;
    }

    private static void SetDefault(Dictionary<string, string?> variables, string key, string value)
    {
        if (string.IsNullOrEmpty(System.Environment.GetEnvironmentVariable(key))) variables[key] = value;
    }

    public override Task<bool> IsHealthyAsync(CancellationToken cancellationToken) => HttpProbe.IsOkAsync($"{HttpUrl}/health", cancellationToken);

    public override Task StopAsync() => process?.StopAsync(ChildProcess.SigTerm, TimeSpan.FromSeconds(15)) ?? Task.CompletedTask;

    /// <summary>Debug or Release: services run from the same configuration the AppHost was built in.</summary>
    public static string BuildConfiguration { get; } =
        typeof(ProjectResource).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name} ({HttpUrl})");
}
