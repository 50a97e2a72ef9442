using Microsoft.Extensions.Hosting;

namespace Commerce.AppHost.Supervision;

/// <summary>
/// A background service that starts with the host's first lifecycle step (StartingAsync), before Aspire's orchestrator:
/// as a plain hosted service it would only start once Aspire's StartAsync returned, so nothing would restart a replica
/// that died during start-up (and the Gateway, waiting for it, would wait for ever) and no start-up line reached the log files.
/// </summary>
public abstract class SupervisorService : BackgroundService, IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => base.StartAsync(cancellationToken);

    public override Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
