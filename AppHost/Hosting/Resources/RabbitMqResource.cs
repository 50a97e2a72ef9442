using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace Commerce.AppHost.Hosting.Resources;

/// <summary>
/// A RabbitMQ node (management and prometheus plugins on) run as the <c>rabbitmq</c> account with its own epmd,
/// every folder and port its own, so several can run side by side; or an existing broker given by
/// <c>ConnectionStrings__rabbitmq</c>.
/// </summary>
public sealed class RabbitMqResource(string name) : Resource(name), IResourceWithConnectionString
{
    private const string Account = "rabbitmq";
    private const string User = "commerce";
    private static readonly RequiredBinary Server = new("rabbitmq-server", "rabbitmq-server");
    private static readonly RequiredBinary PortMapper = new("epmd", "rabbitmq-server");

    private string? externalConnectionString;
    private int amqpPort;
    private int managementPort;
    private int prometheusPort;
    private int epmdPort;
    private int distributionPort;
    private string password = "";
    private ChildProcess? portMapper;
    private ChildProcess? node;

    public override string Kind => "rabbitmq";
    public override bool IsExternal => externalConnectionString is not null;
    public override IEnumerable<RequiredBinary> RequiredBinaries => [Server, PortMapper];
    public override string? DisplayUrl => IsExternal ? "external" : ManagementUrl;
    public override int? ProcessId => node?.Pid;
    public override Task Exited => node?.Exited ?? base.Exited;

    public string ConnectionString => externalConnectionString ?? $"amqp://{User}:{password}@127.0.0.1:{amqpPort}/";

    /// <summary>The management UI and HTTP API (null for an external broker).</summary>
    public string? ManagementUrl => IsExternal ? null : $"http://127.0.0.1:{managementPort}";

    /// <summary>The prometheus plugin's scrape address (null for an external broker).</summary>
    public string? PrometheusUrl => IsExternal ? null : $"http://127.0.0.1:{prometheusPort}";

    public string ManagementUser => User;
    public string ManagementPassword => password;

    public void UseExisting(string? connectionString) => externalConnectionString = connectionString;

    public override Task PrepareAsync(HostContext context, CancellationToken cancellationToken)
    {
        amqpPort = HostContext.FreeLoopbackPort();
        managementPort = HostContext.FreeLoopbackPort();
        prometheusPort = HostContext.FreeLoopbackPort();
        epmdPort = HostContext.FreeLoopbackPort();
        distributionPort = HostContext.FreeLoopbackPort();
        password = context.Secrets.RabbitMqPassword;
        return Task.CompletedTask;
    }

    public override async Task StartAsync(HostContext context, CancellationToken cancellationToken)
    {
        var log = context.LogFor(Name);
        var root = context.ServiceAccountDirectory("rabbitmq", Account);
        var config = Path.Combine(root, "rabbitmq.conf");
        var plugins = Path.Combine(root, "enabled_plugins");
        await File.WriteAllTextAsync(config, string.Join('\n',
            $"listeners.tcp.default = 127.0.0.1:{amqpPort}",
            $"management.tcp.ip = 127.0.0.1",
            $"management.tcp.port = {managementPort}",
            $"prometheus.tcp.ip = 127.0.0.1",
            $"prometheus.tcp.port = {prometheusPort}",
            "distribution.listener.interface = 127.0.0.1",
            // Applied on the node's first boot only; the password is kept in .commerce/secrets.json.
            $"default_user = {User}",
            $"default_pass = {password}",
            "loopback_users = none",
            "log.console = true",
            "log.console.level = warning",
            "log.file = false",
            ""), cancellationToken);
        await File.WriteAllTextAsync(plugins, "[rabbitmq_management,rabbitmq_prometheus].\n", cancellationToken);
        foreach (var folder in new[] { "home", "mnesia", "log" }) Directory.CreateDirectory(Path.Combine(root, folder));
        ChildProcess.RunToCompletion("/usr/bin/chown", ["-R", $"{Account}:{Account}", root]);

        var epmd = epmdPort.ToString(CultureInfo.InvariantCulture);
        // A restart after a crash keeps the port mapper that is still running.
        if (portMapper is null || portMapper.Exited.IsCompleted) portMapper = await ChildProcess.StartAsync(
            new ProcessSpec(Binaries.Require(PortMapper), ["-port", epmd, "-address", "127.0.0.1"]) { RunAsUser = Account }, log);

        // Debian's /usr/sbin wrapper would switch user itself; the script behind it takes our folders from RABBITMQ_*.
        var script = File.Exists("/usr/lib/rabbitmq/bin/rabbitmq-server") ? "/usr/lib/rabbitmq/bin/rabbitmq-server" : Binaries.Require(Server);
        node = await ChildProcess.StartAsync(new ProcessSpec(script, [])
        {
            RunAsUser = Account,
            Environment = new Dictionary<string, string?>
            {
                ["HOME"] = Path.Combine(root, "home"),
                // Makes the script exec the VM, so our SIGTERM reaches RabbitMQ itself and stops it cleanly.
                ["RUNNING_UNDER_SYSTEMD"] = "1",
                ["ERL_EPMD_PORT"] = epmd,
                ["RABBITMQ_NODENAME"] = "commerce@localhost",
                ["RABBITMQ_CONFIG_FILE"] = config,
                ["RABBITMQ_ENABLED_PLUGINS_FILE"] = plugins,
                ["RABBITMQ_MNESIA_BASE"] = Path.Combine(root, "mnesia"),
                ["RABBITMQ_LOG_BASE"] = Path.Combine(root, "log"),
                ["RABBITMQ_DIST_PORT"] = distributionPort.ToString(CultureInfo.InvariantCulture),
                ["RABBITMQ_LOGS"] = "-",
            },
        }, log);
    }

    public override async Task<bool> IsHealthyAsync(CancellationToken cancellationToken)
    {
        if (IsExternal)
        {
            var uri = new Uri(ConnectionString);
            return await TcpProbe.IsOpenAsync(uri.Host, uri.IsDefaultPort ? 5672 : uri.Port, cancellationToken);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, $"{ManagementUrl}/api/health/checks/alarms");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{password}")));
        return await HttpProbe.IsOkAsync(request, cancellationToken) && await TcpProbe.IsOpenAsync("127.0.0.1", amqpPort, cancellationToken);
    }

    public override async Task StopAsync()
    {
        if (node is not null) await node.StopAsync(ChildProcess.SigTerm, TimeSpan.FromSeconds(20));
        if (portMapper is not null) await portMapper.StopAsync(ChildProcess.SigTerm, TimeSpan.FromSeconds(5));
    }
}
