using Xunit;

namespace Commerce.Testing;

/// <summary>
/// The one running system the end-to-end tests share (an assembly fixture): started once per test run, stopped at
/// its end together with the shared infrastructure. Tests use unique ids, so they can run side by side on it.
/// </summary>
public sealed class SharedSystem : IAsyncLifetime
{
    private CommerceSystem? system;

    public CommerceSystem System => system ?? throw new InvalidOperationException("The shared system has not started.");

    public async ValueTask InitializeAsync() => system = await CommerceSystem.StartAsync("shared");

    public async ValueTask DisposeAsync()
    {
        if (system is not null) await system.DisposeAsync();
        await TestInfrastructure.StopSharedAsync();
    }
}
