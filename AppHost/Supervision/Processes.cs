namespace Commerce.AppHost.Supervision;

/// <summary>Which resources run a process of their own, and which of those run once (initdb) rather than until stopped.</summary>
public static class Processes
{
    /// <summary>The resource Aspire adds for its dashboard (Aspire's own name for it is internal).</summary>
    public const string AspireDashboard = "aspire-dashboard";

    /// <summary>
    /// Servers and services: not connection strings or parameters, nor what Aspire runs for itself (its dashboard, the
    /// hidden "&lt;project&gt;-rebuilder"s).
    /// </summary>
    public static bool IsProcess(IResource resource) =>
        resource is ProjectResource or ExecutableResource
        && resource.Name != AspireDashboard && !resource.Name.EndsWith("-rebuilder", StringComparison.Ordinal);

    public static bool IsProcess(ResourceEvent update) => IsProcess(update.Resource) && !update.Snapshot.IsHidden;

    /// <summary>What runs to completion before something else starts (named "-init" in the model).</summary>
    public static bool RunsOnce(IResource resource) => resource.Name.EndsWith("-init", StringComparison.Ordinal);

    /// <summary>How many instances the model runs: one per replica.</summary>
    public static int Instances(DistributedApplicationModel model) => model.Resources.Where(IsProcess)
        .Sum(resource => resource.TryGetLastAnnotation<ReplicaAnnotation>(out var replicas) ? replicas.Replicas : 1);
}
