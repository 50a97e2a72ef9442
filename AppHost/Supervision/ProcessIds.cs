namespace Commerce.AppHost.Supervision;

/// <summary>The process a resource instance runs, as an operator would kill or measure it.</summary>
public static class ProcessIds
{
    /// <summary>
    /// Aspire starts a project through <c>dotnet run</c>, whose child is the service itself: the child is what serves,
    /// spends the CPU and is killed by <c>kill -9</c> (and <c>dotnet run</c> then exits, so the restart follows).
    /// Executables (PostgreSQL, Redis, RabbitMQ, Prometheus) are their own process.
    /// </summary>
    public static int? Of(ResourceEvent update)
    {
        if (update.Snapshot.Properties.FirstOrDefault(property => property.Name == "executable.pid")?.Value is not { } value
            || !int.TryParse(value.ToString(), out var pid))
        {
            return null;
        }

        return update.Resource is ProjectResource ? FirstChild(pid) ?? pid : pid;
    }

    /// <summary>
    /// A project copy's own address, not its proxy's: Aspire gives replicas one proxied address, and each copy's own port
    /// is in the <c>ASPNETCORE_URLS</c> it was started with. Null for executables and before the copy has an address.
    /// </summary>
    public static Uri? OwnUrl(ResourceEvent update) =>
        update.Resource is ProjectResource
        && update.Snapshot.EnvironmentVariables.FirstOrDefault(variable => variable.Name == "ASPNETCORE_URLS")?.Value is { } urls
        && Uri.TryCreate(urls.Split(';')[0].Replace("+", "localhost", StringComparison.Ordinal), UriKind.Absolute, out var uri)
            ? uri
            : null;

    private static int? FirstChild(int pid)
    {
        var children = $"/proc/{pid}/task/{pid}/children";
        return File.Exists(children) && File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries) is [var first, ..]
            && int.TryParse(first, out var child) ? child : null;
    }
}
