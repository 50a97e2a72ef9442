using System.Diagnostics;
using System.Text.Json;
using Commerce.Tests.AppHost;
using YamlDotNet.RepresentationModel;

namespace Commerce.Tests.Deploy;

/// <summary>
/// deploy/kubernetes as `kubectl kustomize` renders its local overlay (no cluster here: nothing is applied): every service
/// of the AppHost with its probes on real endpoints and every variable the AppHost gives it, and what a cluster needs.
/// </summary>
public sealed class KubernetesTests
{
    private static readonly string[] Services = ["order", "stock", "wallet", "coupon", "notification", "gateway"];

    [Fact]
    public async Task The_local_overlay_renders_every_service_with_real_probes_and_every_variable_the_apphost_gives_it()
    {
        var objects = await RenderAsync();
        var manifest = (await AppHostManifest.PublishAsync()).GetProperty("resources");
        var settings = Single(objects, "ConfigMap", name => name.StartsWith("commerce-settings", StringComparison.Ordinal));
        var secret = Single(objects, "Secret", name => name.StartsWith("commerce-secrets", StringComparison.Ordinal));

        foreach (var service in Services)
        {
            var deployment = Single(objects, "Deployment", name => name == service);
            Single(objects, "Service", name => name == service);
            var container = (YamlMappingNode)((YamlSequenceNode)Node(deployment, "spec", "template", "spec", "containers")).Children[0];
            var port = (YamlMappingNode)((YamlSequenceNode)container["ports"]).Children[0];
            Assert.Equal(("http", "8080"), (Text(port, "name"), Text(port, "containerPort")));
            Assert.Equal("8080", Text(Map(settings, "data"), "HTTP_PORTS"));
            // Probes on the endpoints ServiceDefaults maps (MapDefaultEndpoints), on the port the service listens on.
            Assert.Equal(("/health", "http"), (Text(Node(container, "readinessProbe", "httpGet"), "path"), Text(Node(container, "readinessProbe", "httpGet"), "port")));
            Assert.Equal(("/alive", "http"), (Text(Node(container, "livenessProbe", "httpGet"), "path"), Text(Node(container, "livenessProbe", "httpGet"), "port")));
            Assert.NotNull(Text(Node(container, "resources", "requests"), "cpu"));
            Assert.Contains(objects, o => Kind(o) == "HorizontalPodAutoscaler" && Text(Node(o, "spec", "scaleTargetRef"), "name") == service);

            // Every variable the AppHost gives the service that says where things are or how to trust a token.
            var given = Variables(container, settings, secret);
            var expected = manifest.GetProperty(service).GetProperty("env").EnumerateObject()
                .Select(variable => variable.Name)
                .Where(name => name.StartsWith("ConnectionStrings__", StringComparison.Ordinal) || name.StartsWith("services__", StringComparison.Ordinal)
                    || name.StartsWith("Auth__", StringComparison.Ordinal))
                .ToList();
            Assert.NotEmpty(expected);
            Assert.All(expected, name => Assert.Contains(name, given));
        }

        Assert.Equal(["coupon", "order"], objects.Where(o => Kind(o) == "PodDisruptionBudget").Select(Name).Order());
        var ingress = Single(objects, "Ingress", _ => true);
        var backend = ((YamlSequenceNode)Node(((YamlSequenceNode)Node(ingress, "spec", "rules")).Children[0], "http", "paths")).Children[0];
        Assert.Equal("gateway", Text(Node(backend, "backend", "service"), "name"));
        foreach (var server in new[] { "postgres", "redis", "rabbitmq" })
        {
            Single(objects, "StatefulSet", name => name == server);
        }
    }

    /// <summary>The names a container gets: its own env, its ConfigMap's and Secret's keys through envFrom, each secretKeyRef existing.</summary>
    private static HashSet<string> Variables(YamlMappingNode container, YamlMappingNode settings, YamlMappingNode secret)
    {
        var secretKeys = Map(secret, "data").Children.Keys.Select(key => ((YamlScalarNode)key).Value!).ToHashSet();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var variable in ((YamlSequenceNode)container["env"]).Children.Cast<YamlMappingNode>())
        {
            if (variable.Children.TryGetValue("valueFrom", out var from))
            {
                var key = Text(Node(from, "secretKeyRef"), "key")!;
                Assert.Contains(key, secretKeys);
            }

            names.Add(Text(variable, "name")!);
        }

        names.UnionWith(Map(settings, "data").Children.Keys.Select(key => ((YamlScalarNode)key).Value!));
        return names;
    }

    private static async Task<List<YamlMappingNode>> RenderAsync()
    {
        var overlay = Path.Combine(RepositoryPaths.Root, "deploy", "kubernetes", "overlays", "local");
        Assert.Equal(0, (await RunAsync(Path.Combine(overlay, "generate-secrets.sh"))).ExitCode);
        var (exitCode, output) = await RunAsync("kubectl", "kustomize", overlay);
        Assert.True(exitCode == 0, $"kubectl kustomize failed: {output}");
        var stream = new YamlStream();
        stream.Load(new StringReader(output));
        return [.. stream.Documents.Select(document => (YamlMappingNode)document.RootNode)];
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await output + await errors);
    }

    private static YamlMappingNode Single(IEnumerable<YamlMappingNode> objects, string kind, Func<string, bool> named)
    {
        var matches = objects.Where(o => Kind(o) == kind && named(Name(o))).ToList();
        Assert.True(matches.Count == 1, $"expected one {kind}, found {matches.Count}");
        return matches[0];
    }

    private static string Kind(YamlMappingNode o) => Text(o, "kind")!;
    private static string Name(YamlMappingNode o) => Text(Map(o, "metadata"), "name")!;
    private static YamlMappingNode Map(YamlMappingNode node, string key) => (YamlMappingNode)node[key];

    private static YamlNode Node(YamlNode node, params string[] keys) => keys.Aggregate(node, (current, key) => ((YamlMappingNode)current)[key]);

    private static string? Text(YamlNode node, string key) =>
        ((YamlMappingNode)node).Children.TryGetValue(key, out var value) && value is YamlScalarNode scalar ? scalar.Value : null;
}
