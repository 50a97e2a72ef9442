namespace Commerce.AppHost.Dashboard;

/// <summary>
/// Whether someone has the page open. The dashboard samples and probes at full pace only then: a test run or a load
/// suite starts many AppHosts that nobody watches, on a machine whose cores they need.
/// </summary>
public sealed class Viewers
{
    private static readonly TimeSpan Attention = TimeSpan.FromMinutes(1);
    private long lastSeen = DateTime.MinValue.Ticks;

    public bool Watching => DateTime.UtcNow.Ticks - Interlocked.Read(ref lastSeen) < Attention.Ticks;

    public void Seen() => Interlocked.Exchange(ref lastSeen, DateTime.UtcNow.Ticks);
}
