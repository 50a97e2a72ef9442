using Npgsql;

namespace Commerce.AppHost.Hosting.Resources;

/// <summary>
/// A PostgreSQL server from the machine's binaries, run as the <c>postgres</c> account (initdb and postgres refuse
/// root), TCP on loopback only, no Unix socket (so nothing is left in /var/run). Or an existing server given by
/// <c>ConnectionStrings__postgres</c>.
/// </summary>
public sealed class PostgresServerResource(string name) : Resource(name), IResourceWithConnectionString
{
    private const string Account = "postgres";
    private const string SuperUser = "commerce";
    private static readonly RequiredBinary Server = new("postgres", "postgresql");
    private static readonly RequiredBinary InitDb = new("initdb", "postgresql");

    private string? externalConnectionString;
    private int port;
    private string password = "";
    private ChildProcess? process;

    public override string Kind => "postgres";
    public override bool IsExternal => externalConnectionString is not null;
    public override IEnumerable<RequiredBinary> RequiredBinaries => [Server, InitDb];
    public override string? DisplayUrl => IsExternal ? "external" : $"127.0.0.1:{port}";
    public override int? ProcessId => process?.Pid;
    public override Task Exited => process?.Exited ?? base.Exited;

    public string ConnectionString => externalConnectionString
        ?? $"Host=127.0.0.1;Port={port};Username={SuperUser};Password={password}";

    public void UseExisting(string? connectionString) => externalConnectionString = connectionString;

    public override Task PrepareAsync(HostContext context, CancellationToken cancellationToken)
    {
        port = HostContext.FreeLoopbackPort();
        password = context.Secrets.PostgresPassword;
        return Task.CompletedTask;
    }

    public override async Task StartAsync(HostContext context, CancellationToken cancellationToken)
    {
        var log = context.LogFor(Name);
        var root = context.ServiceAccountDirectory("postgres", Account);
        var data = Path.Combine(root, "data");
        if (!File.Exists(Path.Combine(data, "PG_VERSION")))
        {
            await InitializeAsync(root, data, log);
        }

        process = await ChildProcess.StartAsync(new ProcessSpec(Binaries.Require(Server),
        [
            "-D", data, "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-c", "listen_addresses=127.0.0.1",
            "-c", "unix_socket_directories=",
            "-c", $"max_connections={MaxConnections(context)}",
            "-c", "log_line_prefix=%m ",
        ])
        { RunAsUser = Account }, log);
    }

    /// <summary>
    /// Room for every service's bounded pool (ServiceDefaults: Database__MaxPoolSize each) with spare for restarts and
    /// psql; <c>Postgres__MaxConnections</c> raises it where several systems share one server, as the tests do.
    /// </summary>
    private static int MaxConnections(HostContext context) =>
        int.TryParse(context.Configuration["Postgres:MaxConnections"], out var configured) && configured > 0 ? configured : 500;

    private async Task InitializeAsync(string root, string data, ResourceLog log)
    {
        if (Directory.Exists(data)) Directory.Delete(data, recursive: true);
        var passwordFile = Path.Combine(root, "initdb-password");
        await File.WriteAllTextAsync(passwordFile, password);
        ChildProcess.RunToCompletion("/usr/bin/chown", [$"{Account}:{Account}", passwordFile]);
        try
        {
            var exitCode = await ChildProcess.RunAsync(new ProcessSpec(Binaries.Require(InitDb),
                ["-D", data, "-U", SuperUser, "--pwfile", passwordFile, "--auth", "scram-sha-256", "-E", "UTF8", "--locale", "C", "--no-sync"])
            { RunAsUser = Account }, log);
            if (exitCode != 0) throw new InvalidOperationException($"initdb failed with exit code {exitCode}; see {log.Path}.");
        }
        finally
        {
            File.Delete(passwordFile);
        }
    }

    public override async Task<bool> IsHealthyAsync(CancellationToken cancellationToken)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Database = "postgres", Timeout = 3, Pooling = false };
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return true;
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    // SIGINT is PostgreSQL's "fast shutdown": roll back open transactions, checkpoint, remove postmaster.pid.
    public override Task StopAsync() => process?.StopAsync(ChildProcess.SigInt, TimeSpan.FromSeconds(20)) ?? Task.CompletedTask;

    /// <summary>A database on this server; the service's migrations create it on first start.</summary>
    public PostgresDatabaseResource AddDatabase(string databaseName) => new(databaseName, this);
}

/// <summary>A service's own database: <c>ConnectionStrings__{name}</c>, or the server's with Database={name}.</summary>
public sealed class PostgresDatabaseResource(string name, PostgresServerResource server) : Resource(name), IResourceWithConnectionString
{
    private string? externalConnectionString;

    public PostgresServerResource Server { get; } = server;
    public override string Kind => "database";
    public override string? DisplayUrl => Name;
    public override bool IsExternal => true;

    public string ConnectionString => externalConnectionString
        ?? new NpgsqlConnectionStringBuilder(Server.ConnectionString) { Database = Name }.ConnectionString;

    public void UseExisting(string? connectionString) => externalConnectionString = connectionString;

    public override Task StartAsync(HostContext context, CancellationToken cancellationToken) => Task.CompletedTask;
    public override Task<bool> IsHealthyAsync(CancellationToken cancellationToken) => Server.IsHealthyAsync(cancellationToken);
    public override Task StopAsync() => Task.CompletedTask;
}
