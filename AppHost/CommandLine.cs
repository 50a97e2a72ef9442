namespace Commerce.AppHost;

/// <summary>
/// <c>./run.sh</c>'s options, turned into configuration keys for <see cref="DistributedApplication.CreateBuilder(string[])"/>
/// (which reads <c>--key value</c> pairs only). Everything else, such as <c>--publisher manifest</c>, passes through.
/// </summary>
public static class CommandLine
{
    public const string Usage = """
        Starts the whole Commerce system on .NET Aspire: PostgreSQL, Redis, RabbitMQ, Prometheus and Alertmanager from the machine's
        Debian binaries, every service, the Gateway, the operations page, and the Aspire dashboard.

        Usage: ./run.sh [options]        (or: dotnet run --project AppHost -- [options])
          --fresh                   start from empty databases (wipes the state folder)
          --state-dir <dir>         where data, logs and endpoints.json live (default: <repo>/.commerce)
          --infrastructure-only     start PostgreSQL, Redis and RabbitMQ only
          --replicas <n>            run n copies of Order, Stock, Wallet, Coupon and Notification (default 1);
                                    per service: Replicas__Order=3 (environment) or --Replicas:Order 3
          --trace-sample-ratio <r>  trace this share of requests (0 to 1; default all, as Aspire does); the load suites use 0.1
          --postgres <conn>         use an existing PostgreSQL server (Npgsql connection string)
          --redis <conn>            use an existing Redis (StackExchange.Redis connection string)
          --rabbitmq <uri>          use an existing RabbitMQ (amqp://user:pass@host:port/vhost)
          --publisher manifest --output-path <file>
                                    write the deployable manifest (Aspire's PostgreSQL, Redis and RabbitMQ containers)
        Environment: ConnectionStrings__<name> does what --<name> does (also per database: orderdb, stockdb, ...);
        settings for the services (Orders__LockScope=Global, RateLimiting__PermitLimit=..., see README.md) reach every service;
        COMMERCE_EXTRA_RULES=<file> adds Prometheus rule files (a drill's alert) to observability/rules;
        Alerting__SlackWebhookUrl / Alerting__PagerWebhookUrl (Slack-compatible webhooks) receive the alerts: warning to Slack,
        critical to both. Without them the operations page lists what Alertmanager sent.
        The Aspire dashboard's URL is printed at start and is "dashboard" in endpoints.json.
        """;

    private static readonly Dictionary<string, string> Switches = new(StringComparer.Ordinal)
    {
        ["--fresh"] = CommerceState.FreshKey,
        ["--infrastructure-only"] = CommerceState.InfrastructureOnlyKey,
    };

    private static readonly Dictionary<string, string> Options = new(StringComparer.Ordinal)
    {
        ["--state-dir"] = CommerceState.StateDirectoryKey,
        ["--replicas"] = CommerceState.ReplicasKey,
        ["--trace-sample-ratio"] = CommerceState.TraceSampleRatioKey,
        ["--postgres"] = "ConnectionStrings:postgres",
        ["--redis"] = "ConnectionStrings:redis",
        ["--rabbitmq"] = "ConnectionStrings:rabbitmq",
    };

    public static bool WantsHelp(string[] args) => args.Any(arg => arg is "--help" or "-h");

    public static string[] AsConfiguration(string[] args)
    {
        var configuration = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (Switches.TryGetValue(args[i], out var switchKey))
            {
                configuration.Add($"--{switchKey}=true");
            }
            else if (Options.TryGetValue(args[i], out var optionKey))
            {
                configuration.Add($"--{optionKey}={(i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value."))}");
            }
            else
            {
                configuration.Add(args[i]);
            }
        }

        return [.. configuration];
    }
}
