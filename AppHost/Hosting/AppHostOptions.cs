namespace Commerce.AppHost.Hosting;

/// <summary>The AppHost's command line. Connection strings can also come from <c>ConnectionStrings__*</c> variables.</summary>
public sealed record AppHostOptions
{
    public string? StateDirectory { get; init; }
    public bool Fresh { get; init; }
    public bool InfrastructureOnly { get; init; }
    public bool Quiet { get; init; }
    public bool Help { get; init; }
    public Dictionary<string, string> ConnectionStrings { get; } = [];

    public const string Usage = """
        Starts the whole Commerce system locally: PostgreSQL, Redis, RabbitMQ, every service and the Gateway.

        Usage: dotnet run --project AppHost -- [options]
          --fresh                   start from empty databases (wipes the state folder)
          --state-dir <dir>         where data, logs and endpoints.json live (default: <repo>/.commerce)
          --infrastructure-only     start PostgreSQL, Redis and RabbitMQ only
          --postgres <conn>         use an existing PostgreSQL server (Npgsql connection string)
          --redis <conn>            use an existing Redis (StackExchange.Redis connection string)
          --rabbitmq <uri>          use an existing RabbitMQ (amqp://user:pass@host:port/vhost)
          --quiet                   keep children's output in the log files only
        Environment: ConnectionStrings__<name> does what --<name> does (also per database: orderdb, stockdb, ...);
        every other variable (Orders__LockScope=Global, RateLimiting__PermitLimit=...) reaches every service;
        COMMERCE_EXTRA_RULES=<file> adds Prometheus rule files (a drill's alert) to observability/rules.
        The dashboard's URL is printed at start (and is "dashboard" in endpoints.json). Prometheus starts where installed.
        """;

    public static AppHostOptions Parse(string[] args)
    {
        var options = new AppHostOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            options = args[i] switch
            {
                "--fresh" => options with { Fresh = true },
                "--infrastructure-only" => options with { InfrastructureOnly = true },
                "--quiet" => options with { Quiet = true },
                "--help" or "-h" => options with { Help = true },
                "--state-dir" => options with { StateDirectory = Value() },
                "--postgres" or "--redis" or "--rabbitmq" => WithConnection(options, args[i][2..], Value()),
                _ => throw new ArgumentException($"Unknown option '{args[i]}'. Try --help."),
            };
        }

        return options;
    }

    private static AppHostOptions WithConnection(AppHostOptions options, string name, string connectionString)
    {
        options.ConnectionStrings[name] = connectionString;
        return options;
    }
}
