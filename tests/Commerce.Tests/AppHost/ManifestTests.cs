using System.Text.Json;

namespace Commerce.Tests.AppHost;

/// <summary>
/// The AppHost published as a deployment manifest (<c>--publisher manifest</c>): the same model, with Aspire's PostgreSQL,
/// Redis and RabbitMQ containers instead of this machine's programs, deployable as it is.
/// </summary>
public sealed class ManifestTests
{
    private static readonly string[] Services = ["stock", "wallet", "coupon", "order", "notification", "gateway", "operations"];
    private static readonly string[] Databases = ["orderdb", "stockdb", "walletdb", "coupondb", "notificationdb"];

    [Fact]
    public async Task Publishes_containers_for_the_infrastructure_projects_for_the_services_and_the_references_between_them()
    {
        var resources = (await AppHostManifest.PublishAsync()).GetProperty("resources");

        Assert.Equal(("container.v0", true), Container(resources, "postgres", "postgres"));
        Assert.Equal(("container.v0", true), Container(resources, "redis", "redis"));
        Assert.Equal(("container.v0", true), Container(resources, "rabbitmq", "rabbitmq"));
        foreach (var database in Databases)
        {
            Assert.Equal($"{{postgres.connectionString}};Database={database}", resources.GetProperty(database).GetProperty("connectionString").GetString());
        }

        foreach (var service in Services)
        {
            var project = resources.GetProperty(service);
            Assert.Equal("project.v0", project.GetProperty("type").GetString());
            Assert.EndsWith(".csproj", project.GetProperty("path").GetString());
            // The signing key is a secret parameter of the deployment, never a value in the manifest.
            Assert.Equal("{auth-signing-key.value}", Env(project, "Auth__SigningKey"));
        }

        foreach (var (service, database) in new[] { ("order", "orderdb"), ("stock", "stockdb"), ("wallet", "walletdb"), ("coupon", "coupondb"), ("notification", "notificationdb") })
        {
            var project = resources.GetProperty(service);
            Assert.Equal($"{{{database}.connectionString}}", Env(project, $"ConnectionStrings__{database}"));
            Assert.Equal("{redis.connectionString}", Env(project, "ConnectionStrings__redis"));
            Assert.Equal("{rabbitmq.connectionString}", Env(project, "ConnectionStrings__rabbitmq"));
        }

        var gateway = resources.GetProperty("gateway");
        foreach (var service in Services.Where(service => service is not ("gateway" or "operations")))
        {
            Assert.Equal($"{{{service}.bindings.http.url}}", Env(gateway, $"services__{service}__http__0"));
        }

        Assert.True(gateway.GetProperty("bindings").GetProperty("http").GetProperty("external").GetBoolean(), "the Gateway is the one public entry");
        Assert.False(resources.TryGetProperty("prometheus", out _), "a deployment brings its own monitoring");
    }

    private static (string Type, bool Image) Container(JsonElement resources, string name, string image)
    {
        var resource = resources.GetProperty(name);
        return (resource.GetProperty("type").GetString()!, resource.GetProperty("image").GetString()!.Contains($"/{image}:", StringComparison.Ordinal));
    }

    private static string? Env(JsonElement project, string name) =>
        project.GetProperty("env").TryGetProperty(name, out var value) ? value.GetString() : null;
}
