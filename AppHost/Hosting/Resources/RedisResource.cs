using StackExchange.Redis;

namespace Commerce.AppHost.Hosting.Resources;

/// <summary>
/// A Redis server with AOF on (every second), a generated password, data under the state folder; or an existing one
/// given by <c>ConnectionStrings__redis</c>.
/// </summary>
public sealed class RedisResource(string name) : Resource(name), IResourceWithConnectionString
{
    private static readonly RequiredBinary Server = new("redis-server", "redis-server");

    private string? externalConnectionString;
    private int port;
    private string password = "";
    private ChildProcess? process;

    public override string Kind => "redis";
    public override bool IsExternal => externalConnectionString is not null;
    public override IEnumerable<RequiredBinary> RequiredBinaries => [Server];
    public override string? DisplayUrl => IsExternal ? "external" : $"127.0.0.1:{port}";
    public override int? ProcessId => process?.Pid;
    public override Task Exited => process?.Exited ?? base.Exited;

    public string ConnectionString => externalConnectionString ?? $"127.0.0.1:{port},password={password}";

    public void UseExisting(string? connectionString) => externalConnectionString = connectionString;

    public override Task PrepareAsync(HostContext context, CancellationToken cancellationToken)
    {
        port = HostContext.FreeLoopbackPort();
        password = context.Secrets.RedisPassword;
        return Task.CompletedTask;
    }

    public override async Task StartAsync(HostContext context, CancellationToken cancellationToken)
    {
        var data = Path.Combine(context.StateDirectory, "redis");
        Directory.CreateDirectory(data);
        process = await ChildProcess.StartAsync(new ProcessSpec(Binaries.Require(Server),
        [
            "--bind", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--dir", data, "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
            "--requirepass", password, "--daemonize", "no", "--logfile", "",
        ]), context.LogFor(Name));
    }

    public override async Task<bool> IsHealthyAsync(CancellationToken cancellationToken)
    {
        try
        {
            var options = ConfigurationOptions.Parse(ConnectionString);
            options.ConnectTimeout = 2000;
            options.AbortOnConnectFail = true;
            await using var connection = await ConnectionMultiplexer.ConnectAsync(options);
            await connection.GetDatabase().PingAsync();
            return true;
        }
        catch (RedisException)
        {
            return false;
        }
    }

    public override Task StopAsync() => process?.StopAsync(ChildProcess.SigTerm, TimeSpan.FromSeconds(10)) ?? Task.CompletedTask;
}
