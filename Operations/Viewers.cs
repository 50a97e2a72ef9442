namespace Commerce.Operations;

/// <summary>
/// Whether someone has the page open. The page samples Prometheus at full pace only then: test runs and load suites
/// start many systems that nobody watches, on machines whose cores they need.
/// </summary>
public sealed class Viewers
{
    private static readonly TimeSpan Attention = TimeSpan.FromMinutes(1);
    private long lastSeen = DateTime.MinValue.Ticks;

    public bool Watching => DateTime.UtcNow.Ticks - Interlocked.Read(ref lastSeen) < Attention.Ticks;

    public void Seen() => Interlocked.Exchange(ref lastSeen, DateTime.UtcNow.Ticks);
}
