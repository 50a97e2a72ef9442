namespace Commerce.AppHost.Hosting;

/// <summary>Where a resource is in its life, as the resource table and the dashboard show it.</summary>
public enum ResourceState { Waiting, Starting, Running, Restarting, Failed, Stopping, Stopped }

/// <summary>A program the machine must have, and the Debian package that brings it.</summary>
public sealed record RequiredBinary(string Name, string DebianPackage);

/// <summary>Something the AppHost starts, watches and stops: a server, a database on it, or a service.</summary>
public abstract class Resource(string name)
{
    public string Name { get; } = name;
    public abstract string Kind { get; }
    public ResourceState State { get; set; } = ResourceState.Waiting;
    public int Restarts { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public List<Resource> WaitsFor { get; } = [];

    /// <summary>The address shown to people (a URL or host:port); null when it has none.</summary>
    public abstract string? DisplayUrl { get; }

    /// <summary>The process id of the running program, if this resource is one the AppHost runs.</summary>
    public virtual int? ProcessId => null;

    /// <summary>True when this resource points at an existing server instead of starting one.</summary>
    public virtual bool IsExternal => false;

    public virtual IEnumerable<RequiredBinary> RequiredBinaries => [];

    /// <summary>Chooses ports, folders and secrets; runs before anything starts.</summary>
    public virtual Task PrepareAsync(HostContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Launches the resource (returns once launched, not once healthy).</summary>
    public abstract Task StartAsync(HostContext context, CancellationToken cancellationToken);

    public abstract Task<bool> IsHealthyAsync(CancellationToken cancellationToken);

    /// <summary>Completes when the resource's process exits; never completes for resources without one.</summary>
    public virtual Task Exited => Task.Delay(Timeout.Infinite);

    public abstract Task StopAsync();
}

/// <summary>A resource others reach through <c>ConnectionStrings__{name}</c>.</summary>
public interface IResourceWithConnectionString
{
    string Name { get; }
    string ConnectionString { get; }
}

/// <summary>A resource others reach through <c>services__{name}__http__0</c>.</summary>
public interface IResourceWithHttpEndpoint
{
    string Name { get; }
    string HttpUrl { get; }
}
