using Commerce.AppHost.Hosting.Resources;

namespace Commerce.AppHost.Hosting;

/// <summary>Declares the resources of the system, in .NET Aspire's builder shape (AddX, WithReference, Build, RunAsync).</summary>
public sealed class DistributedApplicationBuilder(AppHostOptions options)
{
    private readonly List<Resource> resources = [];

    public AppHostOptions Options { get; } = options;

    public ResourceBuilder<PostgresServerResource> AddPostgres(string name) => Add(new PostgresServerResource(name));
    public ResourceBuilder<RedisResource> AddRedis(string name) => Add(new RedisResource(name));
    public ResourceBuilder<RabbitMqResource> AddRabbitMQ(string name) => Add(new RabbitMqResource(name));

    /// <summary>
    /// Prometheus scraping every project and RabbitMQ, with the repository's alert rules; only where the machine has
    /// it (null otherwise: it is optional, and the dashboard then reads each service's /metrics itself).
    /// </summary>
    public ResourceBuilder<PrometheusResource>? AddPrometheus(string name) =>
        PrometheusResource.IsInstalled ? Add(new PrometheusResource(name, resources)) : null;

    /// <summary>A service in <paramref name="projectDirectory"/> (relative to the repository root), run from its build output.</summary>
    public ResourceBuilder<ProjectResource> AddProject(string name, string projectDirectory) => Add(new ProjectResource(name, projectDirectory));

    internal ResourceBuilder<T> Add<T>(T resource) where T : Resource
    {
        resources.Add(resource);
        return new ResourceBuilder<T>(this, resource);
    }

    public DistributedApplication Build() => new(Options, resources);
}

/// <summary>A declared resource, to chain references and settings onto.</summary>
public sealed class ResourceBuilder<T>(DistributedApplicationBuilder application, T resource) where T : Resource
{
    public T Resource { get; } = resource;

    /// <summary>This resource starts only once <paramref name="dependency"/> is healthy.</summary>
    public ResourceBuilder<T> WaitFor<TOther>(ResourceBuilder<TOther> dependency) where TOther : Resource
    {
        if (!Resource.WaitsFor.Contains(dependency.Resource)) Resource.WaitsFor.Add(dependency.Resource);
        return this;
    }

    /// <summary>Passes the dependency's connection string or URL to this project, and waits for it (Aspire's WithReference + WaitFor).</summary>
    public ResourceBuilder<T> WithReference<TOther>(ResourceBuilder<TOther> dependency) where TOther : Resource
    {
        if (Resource is not ProjectResource project)
        {
            throw new InvalidOperationException($"Only projects take references; {Resource.Name} is a {Resource.Kind}.");
        }

        if (dependency.Resource is IResourceWithConnectionString connection) project.ConnectionReferences.Add(connection);
        if (dependency.Resource is IResourceWithHttpEndpoint http) project.ServiceReferences.Add(http);
        return WaitFor(dependency);
    }

    public ResourceBuilder<T> WithEnvironment(string key, string value)
    {
        (Resource as ProjectResource ?? throw new InvalidOperationException("Only projects take environment variables."))
            .SetEnvironment(key, value);
        return this;
    }

    /// <summary>Marks the project as the system's public entry (the <c>gateway</c> URL in endpoints.json).</summary>
    public ResourceBuilder<T> AsGateway()
    {
        ((Resource as ProjectResource) ?? throw new InvalidOperationException("Only a project can be the gateway.")).IsGateway = true;
        return this;
    }

    public ResourceBuilder<PostgresDatabaseResource> AddDatabase(string name)
    {
        var server = Resource as PostgresServerResource ?? throw new InvalidOperationException("Databases live on a postgres resource.");
        return application.Add(server.AddDatabase(name)).WaitFor(this);
    }
}
