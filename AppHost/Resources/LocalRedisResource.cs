using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Commerce.AppHost.Resources;

/// <summary>
/// Redis from the machine's Debian binary (Aspire's Redis is a container): loopback only, a password, the append-only
/// file under the state folder so the coupon gate and the ranking survive a restart.
/// </summary>
public sealed class LocalRedisResource(string name, string command, string password)
    : ExecutableResource(name, command, workingDirectory: "/"), IResourceWithConnectionString
{
    public EndpointReference Endpoint => new(this, "tcp");

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"127.0.0.1:{Endpoint.Property(EndpointProperty.TargetPort)},password={password}");
}

public static class LocalRedisExtensions
{
    /// <summary>
    /// Redis under Aspire's name: this machine's binary running, an existing server (<c>--redis</c>), or Aspire's container
    /// publishing. (This one-argument overload is chosen over Aspire.Hosting.Redis's, whose extra parameters are optional.)
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddRedis(this IDistributedApplicationBuilder builder, string name)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            return RedisBuilderExtensions.AddRedis(builder, name).WithDataVolume();
        }

        if (builder.Configuration.GetConnectionString(name) is not null)
        {
            return builder.AddConnectionString(name);
        }

        var state = CommerceState.Of(builder);
        var program = DebianPrograms.Require("redis-server", "redis-server");
        var data = state.DataDirectory(name);
        Directory.CreateDirectory(data);
        var resource = new LocalRedisResource(name, program, state.Secrets.RedisPassword);
        return builder.AddResource(resource)
            .WithEndpoint(name: "tcp", scheme: "tcp", isProxied: false)
            .WithArgs(context =>
            {
                context.Args.Add("--bind");
                context.Args.Add("127.0.0.1");
                context.Args.Add("--port");
                context.Args.Add(resource.Endpoint.Property(EndpointProperty.TargetPort));
                foreach (var argument in new[] { "--dir", data, "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
                    "--requirepass", state.Secrets.RedisPassword, "--daemonize", "no", "--logfile", "" })
                {
                    context.Args.Add(argument);
                }
            })
            .WithHealthCheck(AddPingCheck(builder, resource))
            .WithIconName("Memory");
    }

    private static string AddPingCheck(IDistributedApplicationBuilder builder, LocalRedisResource resource)
    {
        var key = $"{resource.Name}-answers-ping";
        builder.Services.AddHealthChecks().AddAsyncCheck(key, async cancellationToken =>
        {
            var options = ConfigurationOptions.Parse(await resource.ConnectionStringExpression.GetValueAsync(cancellationToken) ?? "");
            options.ConnectTimeout = 2000;
            options.AbortOnConnectFail = true;
            try
            {
                await using var connection = await ConnectionMultiplexer.ConnectAsync(options);
                await connection.GetDatabase().PingAsync();
                return HealthCheckResult.Healthy();
            }
            catch (RedisException exception)
            {
                return HealthCheckResult.Unhealthy(exception.Message);
            }
        });
        return key;
    }
}
