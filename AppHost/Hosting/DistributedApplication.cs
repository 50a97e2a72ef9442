using System.Runtime.InteropServices;
using Commerce.AppHost.Dashboard;
using Commerce.AppHost.Hosting.Resources;
using Microsoft.Extensions.Configuration;
using Spectre.Console;

namespace Commerce.AppHost.Hosting;

/// <summary>
/// Runs the declared resources: checks every binary first, starts each resource once what it waits for is healthy,
/// restarts one that dies, and on Ctrl+C or SIGTERM stops them all, dependents first, leaving nothing behind.
/// </summary>
public sealed class DistributedApplication
{
    private static readonly TimeSpan HealthDeadline = TimeSpan.FromMinutes(2);
    private readonly AppHostOptions options;
    private readonly List<Resource> resources;
    private readonly Dictionary<Resource, TaskCompletionSource> healthy = [];
    private readonly CancellationTokenSource stopping = new();
    private HostContext? context;
    private EndpointsFile? endpoints;
    private OperatorsDashboard? dashboard;

    internal DistributedApplication(AppHostOptions options, List<Resource> resources)
    {
        this.options = options;
        // Prometheus watches the services: without them it has nothing to do.
        this.resources = options.InfrastructureOnly ? resources.Where(r => r is not (ProjectResource or PrometheusResource)).ToList() : resources;
        foreach (var resource in this.resources)
        {
            resource.WaitsFor.RemoveAll(dependency => !this.resources.Contains(dependency));
            healthy[resource] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public static DistributedApplicationBuilder CreateBuilder(string[] args)
    {
        try
        {
            return new DistributedApplicationBuilder(AppHostOptions.Parse(args));
        }
        catch (ArgumentException exception)
        {
            Console.Error.WriteLine(exception.Message);
            Environment.Exit(2);
            throw;
        }
    }

    public IReadOnlyList<Resource> Resources => resources;
    public HostContext? Context => context;
    public string? DashboardUrl => dashboard?.Url;

    public async Task<int> RunAsync()
    {
        if (options.Help)
        {
            Console.WriteLine(AppHostOptions.Usage);
            return 0;
        }

        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        UseExistingServers(configuration);
        if (FirstMissingBinary() is { } missing)
        {
            Console.Error.WriteLine(missing.Message);
            return 2;
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        ResourceLog.EchoToConsole = !options.Quiet;

        var root = RepositoryRoot();
        context = new HostContext(configuration, root, options.StateDirectory ?? Path.Combine(root, ".commerce"), options.Fresh);
        endpoints = new EndpointsFile(Path.Combine(context.StateDirectory, "endpoints.json"), this);
        var exitCode = 0;
        try
        {
            foreach (var resource in resources) await resource.PrepareAsync(context, stopping.Token);
            dashboard = await OperatorsDashboard.StartAsync(resources, context);
            AnsiConsole.MarkupLineInterpolated($"Dashboard: [bold]{dashboard.Url}[/] ({dashboard.MetricsOrigin})");
            await Task.WhenAll(resources.Select(resource => StartWhenReadyAsync(resource, stopping.Token)));
            PrintResourceTable();
            endpoints.Write();
            var supervisors = resources.Where(r => !r.IsExternal).Select(SuperviseAsync).ToList();
            await Task.Delay(Timeout.Infinite, stopping.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception exception) when (exception is InvalidOperationException or MissingBinaryException or TimeoutException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]Start failed:[/] {exception.Message}");
            exitCode = 1;
        }
        finally
        {
            await StopAllAsync();
            endpoints.Delete();
            if (dashboard is not null) await dashboard.DisposeAsync();
        }

        return exitCode;
    }

    private void Stop(PosixSignalContext signal)
    {
        signal.Cancel = true;
        if (!stopping.IsCancellationRequested)
        {
            Console.Error.WriteLine($"{signal.Signal} received: stopping every resource...");
            stopping.Cancel();
        }
    }

    private void UseExistingServers(IConfiguration configuration)
    {
        string? Existing(string name) =>
            options.ConnectionStrings.GetValueOrDefault(name) ?? configuration.GetConnectionString(name);

        foreach (var resource in resources)
        {
            switch (resource)
            {
                case PostgresServerResource postgres: postgres.UseExisting(Existing(resource.Name)); break;
                case PostgresDatabaseResource database: database.UseExisting(Existing(resource.Name)); break;
                case RedisResource redis: redis.UseExisting(Existing(resource.Name)); break;
                case RabbitMqResource rabbitMq: rabbitMq.UseExisting(Existing(resource.Name)); break;
            }
        }
    }

    private MissingBinaryException? FirstMissingBinary()
    {
        foreach (var tool in new[] { "setsid", "setpriv", "chown" })
        {
            if (!File.Exists("/usr/bin/" + tool)) return new MissingBinaryException(new RequiredBinary(tool, tool == "chown" ? "coreutils" : "util-linux"));
        }

        return resources.Where(r => !r.IsExternal)
            .SelectMany(r => r.RequiredBinaries)
            .Where(binary => Binaries.Locate(binary) is null)
            .Select(binary => new MissingBinaryException(binary))
            .FirstOrDefault();
    }

    private async Task StartWhenReadyAsync(Resource resource, CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(resource.WaitsFor.Select(dependency => healthy[dependency].Task)).WaitAsync(cancellationToken);
            resource.State = ResourceState.Starting;
            Announce(resource);
            await resource.StartAsync(context!, cancellationToken);
            await WaitHealthyAsync(resource, cancellationToken);
            resource.StartedAt = DateTimeOffset.UtcNow;
            resource.State = ResourceState.Running;
            Announce(resource);
            healthy[resource].TrySetResult();
        }
        catch (Exception exception)
        {
            resource.State = ResourceState.Failed;
            healthy[resource].TrySetException(exception);
            throw;
        }
    }

    private async Task WaitHealthyAsync(Resource resource, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + HealthDeadline;
        while (!await resource.IsHealthyAsync(cancellationToken))
        {
            if (resource.Exited.IsCompleted)
            {
                throw new InvalidOperationException(
                    $"{resource.Name} exited while starting; its last lines:\n  {string.Join("\n  ", context!.LogFor(resource.Name).Tail(15))}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{resource.Name} was not healthy within {HealthDeadline.TotalSeconds} s; see {context!.LogFor(resource.Name).Path}.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }
    }

    /// <summary>A resource that dies (killed, crashed) is started again, as a supervisor would; the dashboard counts restarts.</summary>
    private async Task SuperviseAsync(Resource resource)
    {
        while (!stopping.IsCancellationRequested)
        {
            await Task.WhenAny(resource.Exited, Task.Delay(Timeout.Infinite, stopping.Token));
            if (stopping.IsCancellationRequested) return;

            resource.State = ResourceState.Restarting;
            resource.Restarts++;
            Announce(resource);
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), stopping.Token);
                await resource.StartAsync(context!, stopping.Token);
                await WaitHealthyAsync(resource, stopping.Token);
                resource.StartedAt = DateTimeOffset.UtcNow;
                resource.State = ResourceState.Running;
                Announce(resource);
                endpoints?.Write();
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is InvalidOperationException or TimeoutException)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]{resource.Name} could not be restarted:[/] {exception.Message}");
            }
        }
    }

    private async Task StopAllAsync()
    {
        // Dependents first: the Gateway, then services, then the servers they use.
        foreach (var level in resources.GroupBy(Depth).OrderByDescending(group => group.Key))
        {
            await Task.WhenAll(level.Where(r => !r.IsExternal).Select(async resource =>
            {
                resource.State = ResourceState.Stopping;
                await resource.StopAsync();
                resource.State = ResourceState.Stopped;
            }));
        }

        PortReservations.ReleaseAll();
        Console.Error.WriteLine("Every resource stopped.");
    }

    private static int Depth(Resource resource) =>
        resource.WaitsFor.Count == 0 ? 0 : 1 + resource.WaitsFor.Max(Depth);

    private static void Announce(Resource resource) =>
        Console.Error.WriteLine($"{DateTime.Now:HH:mm:ss} {resource.Name}: {resource.State}{(resource.Restarts > 0 ? $" (restarts: {resource.Restarts})" : "")}");

    private void PrintResourceTable()
    {
        var table = new Table().AddColumns("Resource", "Kind", "State", "URL");
        foreach (var resource in resources)
        {
            table.AddRow(resource.Name, resource.Kind, resource.State.ToString(), Markup.Escape(resource.DisplayUrl ?? ""));
        }

        AnsiConsole.Write(table);
        var gateway = resources.OfType<ProjectResource>().FirstOrDefault(p => p.IsGateway);
        if (gateway is not null) AnsiConsole.MarkupLineInterpolated($"Gateway: [bold]{gateway.HttpUrl}[/]");
        if (dashboard is not null) AnsiConsole.MarkupLineInterpolated($"Dashboard: [bold]{dashboard.Url}[/]");
        AnsiConsole.MarkupLineInterpolated($"Endpoints: {endpoints!.Path}. Press Ctrl+C to stop everything.");
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Commerce.sln"))) return directory.FullName;
        }

        throw new InvalidOperationException("Commerce.sln not found above the AppHost's folder.");
    }
}
