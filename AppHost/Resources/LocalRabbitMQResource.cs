using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Commerce.AppHost.Resources;

/// <summary>
/// RabbitMQ from the machine's Debian package (Aspire's RabbitMQ is a container), management and prometheus plugins on,
/// run as the <c>rabbitmq</c> account with every folder and port its own, so several can run side by side.
/// </summary>
public sealed class LocalRabbitMQResource(string name, string command, string password)
    : ExecutableResource(name, command, workingDirectory: "/"), IResourceWithConnectionString
{
    public const string UserName = "commerce";

    public string Password { get; } = password;
    public EndpointReference Amqp => new(this, "amqp");
    public EndpointReference Management => new(this, "management");
    public EndpointReference Prometheus => new(this, "prometheus");
    public EndpointReference Distribution => new(this, "distribution");

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"amqp://{UserName}:{Password}@127.0.0.1:{Amqp.Property(EndpointProperty.TargetPort)}/");
}

/// <summary>Erlang's port mapper for one RabbitMQ node, as a resource of its own so that no detached epmd outlives the AppHost.</summary>
public sealed class LocalErlangPortMapperResource(string name, string command) : ExecutableResource(name, command, workingDirectory: "/")
{
    public EndpointReference Endpoint => new(this, "tcp");
}

public static class LocalRabbitMQExtensions
{
    /// <summary>
    /// RabbitMQ under Aspire's name: this machine's binaries running, an existing broker (<c>--rabbitmq</c>), or Aspire's
    /// container publishing. (This one-argument overload is chosen over Aspire.Hosting.RabbitMQ's, whose extra parameters
    /// are optional.)
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddRabbitMQ(this IDistributedApplicationBuilder builder, string name)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            return RabbitMQBuilderExtensions.AddRabbitMQ(builder, name).WithDataVolume().WithManagementPlugin();
        }

        if (builder.Configuration.GetConnectionString(name) is not null)
        {
            return builder.AddConnectionString(name);
        }

        var state = CommerceState.Of(builder);
        // Debian's /usr/sbin wrapper would switch user itself; the script behind it takes our folders from RABBITMQ_*.
        var server = File.Exists("/usr/lib/rabbitmq/bin/rabbitmq-server")
            ? "/usr/lib/rabbitmq/bin/rabbitmq-server"
            : DebianPrograms.Require("rabbitmq-server", "rabbitmq-server");
        var epmd = DebianPrograms.Require("epmd", "rabbitmq-server", ["/usr/lib/erlang/bin"]);
        var account = ServiceAccount.Of("rabbitmq");
        var root = state.DataDirectory(name);
        foreach (var folder in new[] { "home", "mnesia", "log" }) Directory.CreateDirectory(Path.Combine(root, folder));
        account.OwnedDirectory(root);
        var config = Path.Combine(root, "rabbitmq.conf");
        var plugins = account.OwnedFile(Path.Combine(root, "enabled_plugins"), "[rabbitmq_management,rabbitmq_prometheus].\n");

        var portMapper = new LocalErlangPortMapperResource($"{name}-epmd", account.CommandFor(epmd));
        var mapper = builder.AddResource(portMapper)
            .WithEndpoint(name: "tcp", scheme: "tcp", isProxied: false)
            .WithArgs(context =>
            {
                foreach (var argument in account.ArgumentsFor(epmd)) context.Args.Add(argument);
                context.Args.Add("-port");
                context.Args.Add(portMapper.Endpoint.Property(EndpointProperty.TargetPort));
                context.Args.Add("-address");
                context.Args.Add("127.0.0.1");
            });

        var resource = new LocalRabbitMQResource(name, account.CommandFor(server), state.Secrets.RabbitMqPassword);
        var broker = builder.AddResource(resource)
            .WithEndpoint(name: "amqp", scheme: "tcp", isProxied: false)
            .WithHttpEndpoint(name: "management", isProxied: false)
            .WithHttpEndpoint(name: "prometheus", isProxied: false)
            .WithEndpoint(name: "distribution", scheme: "tcp", isProxied: false)
            .WithArgs(context => { foreach (var argument in account.ArgumentsFor(server)) context.Args.Add(argument); })
            .WithEnvironment(context =>
            {
                context.EnvironmentVariables["HOME"] = Path.Combine(root, "home");
                // Makes the script exec the VM, so Aspire's stop signal and a kill reach RabbitMQ itself.
                context.EnvironmentVariables["RUNNING_UNDER_SYSTEMD"] = "1";
                context.EnvironmentVariables["ERL_EPMD_PORT"] = portMapper.Endpoint.Property(EndpointProperty.TargetPort);
                context.EnvironmentVariables["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-start_epmd false";
                context.EnvironmentVariables["RABBITMQ_NODENAME"] = "commerce@localhost";
                context.EnvironmentVariables["RABBITMQ_CONFIG_FILE"] = config;
                context.EnvironmentVariables["RABBITMQ_ENABLED_PLUGINS_FILE"] = plugins;
                context.EnvironmentVariables["RABBITMQ_MNESIA_BASE"] = Path.Combine(root, "mnesia");
                context.EnvironmentVariables["RABBITMQ_LOG_BASE"] = Path.Combine(root, "log");
                context.EnvironmentVariables["RABBITMQ_DIST_PORT"] = resource.Distribution.Property(EndpointProperty.TargetPort);
                // The log goes to the dashboard's console view.
                context.EnvironmentVariables["RABBITMQ_LOGS"] = "-";
            })
            .OnBeforeResourceStarted(async (broker, _, cancellationToken) =>
            {
                // The ports are known only now; the node reads the rest of its configuration from this file.
                var settings = string.Join('\n',
                    $"listeners.tcp.default = 127.0.0.1:{await broker.Amqp.Property(EndpointProperty.TargetPort).GetValueAsync(cancellationToken)}",
                    "management.tcp.ip = 127.0.0.1",
                    $"management.tcp.port = {await broker.Management.Property(EndpointProperty.TargetPort).GetValueAsync(cancellationToken)}",
                    "prometheus.tcp.ip = 127.0.0.1",
                    $"prometheus.tcp.port = {await broker.Prometheus.Property(EndpointProperty.TargetPort).GetValueAsync(cancellationToken)}",
                    "distribution.listener.interface = 127.0.0.1",
                    // Applied on the node's first boot only; the password is kept in the state folder's secrets.json.
                    $"default_user = {LocalRabbitMQResource.UserName}",
                    $"default_pass = {broker.Password}",
                    "loopback_users = none",
                    // The management API's consumer counts are as old as the last statistics (default every 5 s): an
                    // operator, and the fault tests that wait for every queue to be consumed again, read 1 s old figures.
                    "collect_statistics_interval = 1000",
                    "log.console = true",
                    "log.console.level = warning",
                    "log.file = false",
                    "");
                account.OwnedFile(config, settings);
            })
            .WithHealthCheck(AddAlarmsCheck(builder, resource))
            .WaitFor(mapper)
            .WithIconName("Mail");
        mapper.WithParentRelationship(broker);
        return broker;
    }

    /// <summary>Ready: the management API reports no alarm, and the AMQP port takes connections.</summary>
    private static string AddAlarmsCheck(IDistributedApplicationBuilder builder, LocalRabbitMQResource resource)
    {
        var key = $"{resource.Name}-without-alarms";
        var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        builder.Services.AddHealthChecks().AddAsyncCheck(key, async cancellationToken =>
        {
            try
            {
                var management = await resource.Management.Property(EndpointProperty.Url).GetValueAsync(cancellationToken);
                using var request = new HttpRequestMessage(HttpMethod.Get, $"{management}/api/health/checks/alarms");
                request.Headers.Authorization = new AuthenticationHeaderValue(
                    "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{LocalRabbitMQResource.UserName}:{resource.Password}")));
                using var response = await http.SendAsync(request, cancellationToken);
                if (!response.IsSuccessStatusCode) return HealthCheckResult.Unhealthy($"alarms check answered {(int)response.StatusCode}");
                using var amqp = new TcpClient();
                await amqp.ConnectAsync("127.0.0.1", int.Parse(await resource.Amqp.Property(EndpointProperty.TargetPort).GetValueAsync(cancellationToken) ?? "0"), cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception exception) when (exception is HttpRequestException or SocketException or TaskCanceledException)
            {
                return HealthCheckResult.Unhealthy(exception.Message);
            }
        });
        return key;
    }
}
