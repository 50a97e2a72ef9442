using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Commerce.AppHost.Hosting;

/// <summary>What every resource shares while the AppHost runs: configuration, folders, secrets and logs.</summary>
public sealed class HostContext
{
    private readonly Dictionary<string, ResourceLog> logs = [];

    public HostContext(IConfiguration configuration, string repositoryRoot, string stateDirectory, bool fresh)
    {
        Configuration = configuration;
        RepositoryRoot = repositoryRoot;
        StateDirectory = Path.GetFullPath(stateDirectory);
        if (fresh && Directory.Exists(StateDirectory))
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(StateDirectory))
            {
                if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
                else File.Delete(entry);
            }

            WipeServiceAccountDirectories();
        }

        Directory.CreateDirectory(StateDirectory);
        Directory.CreateDirectory(LogDirectory);
        Secrets = DevelopmentSecrets.LoadOrCreate(Path.Combine(StateDirectory, "secrets.json"));
    }

    public IConfiguration Configuration { get; }
    public string RepositoryRoot { get; }
    public string StateDirectory { get; }
    public string LogDirectory => Path.Combine(StateDirectory, "logs");
    public DevelopmentSecrets Secrets { get; }

    /// <summary>The HS256 key every service validates tokens with; new at every start, never stored.</summary>
    public string JwtSigningKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public const string JwtIssuer = "commerce-dev";
    public const string JwtAudience = "commerce";

    public ResourceLog LogFor(string resourceName)
    {
        lock (logs)
        {
            if (!logs.TryGetValue(resourceName, out var log))
            {
                log = new ResourceLog(resourceName, Path.Combine(LogDirectory, resourceName + ".log"), logs.Count);
                logs[resourceName] = log;
            }

            return log;
        }
    }

    public IReadOnlyCollection<ResourceLog> Logs
    {
        get { lock (logs) return [.. logs.Values]; }
    }

    /// <summary>
    /// A data folder owned by a service account (postgres, rabbitmq). Under the state folder when that account
    /// can reach it; otherwise (a repository under a private home, say) under /var/lib/commerce, keyed by the state folder.
    /// </summary>
    public string ServiceAccountDirectory(string name, string account)
    {
        var preferred = Path.Combine(StateDirectory, name);
        var root = OthersCanTraverse(StateDirectory) ? preferred : Path.Combine(FallbackRoot(), name);
        Directory.CreateDirectory(root);
        ChildProcess.RunToCompletion("/usr/bin/chown", ["-R", $"{account}:{account}", root]);
        return root;
    }

    private string FallbackRoot() =>
        Path.Combine("/var/lib/commerce", Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(StateDirectory)))[..16].ToLowerInvariant());

    private void WipeServiceAccountDirectories()
    {
        var fallback = FallbackRoot();
        if (Directory.Exists(fallback)) Directory.Delete(fallback, recursive: true);
    }

    private static bool OthersCanTraverse(string path)
    {
        for (var directory = new DirectoryInfo(path); directory is not null; directory = directory.Parent)
        {
            if (directory.Exists && !directory.UnixFileMode.HasFlag(UnixFileMode.OtherExecute)) return false;
        }

        return true;
    }

    /// <summary>
    /// A loopback port free now and reserved for this AppHost. Taken below the kernel's ephemeral range: a port from
    /// bind(0) is also what the kernel gives outgoing connections, so between our check and the server's own bind any
    /// client connection could take it (seen in CI: RabbitMQ failed with eaddrinuse). Reserved by a marker file across
    /// every AppHost on the machine, since tests start many at once and a service binds its port only after the
    /// infrastructure is up: a plain check would hand one port to two of them. The smallest version of what Aspire's
    /// DCP does for it; see <see cref="PortReservations"/>.
    /// </summary>
    public static int FreeLoopbackPort()
    {
        var (ephemeralLow, _) = EphemeralPortRange();
        var low = Math.Max(10_000, ephemeralLow - 12_000);
        for (var attempt = 0; attempt < 500; attempt++)
        {
            var port = Random.Shared.Next(low, ephemeralLow);
            if (!PortReservations.TryReserve(port))
            {
                continue;
            }

            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                PortReservations.Release(port); // bound by something else: try another
            }
        }

        throw new InvalidOperationException($"No free loopback port between {low} and {ephemeralLow} after 500 tries.");
    }

    private static (int Low, int High) EphemeralPortRange()
    {
        try
        {
            var parts = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
        }
        catch (Exception exception) when (exception is IOException or FormatException or IndexOutOfRangeException or UnauthorizedAccessException)
        {
            return (32768, 60999); // Linux's default
        }
    }
}

/// <summary>Development passwords, generated on first start and kept beside the data they protect (so --fresh renews them).</summary>
public sealed record DevelopmentSecrets(string PostgresPassword, string RedisPassword, string RabbitMqPassword)
{
    public static DevelopmentSecrets LoadOrCreate(string path)
    {
        if (File.Exists(path) && JsonSerializer.Deserialize<DevelopmentSecrets>(File.ReadAllText(path)) is { } existing)
        {
            return existing;
        }

        var created = new DevelopmentSecrets(NewPassword(), NewPassword(), NewPassword());
        File.WriteAllText(path, JsonSerializer.Serialize(created));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return created;
    }

    private static string NewPassword() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
}

/// <summary>
/// Ports handed out by AppHosts on this machine: one file per port under the temp folder, created exclusively and
/// holding the owner's process id. A file whose process is gone is stale and taken over; an AppHost frees its own on stop.
/// </summary>
public static class PortReservations
{
    private static readonly string Folder = Path.Combine(Path.GetTempPath(), "commerce-ports");

    public static bool TryReserve(int port)
    {
        Directory.CreateDirectory(Folder);
        var marker = Marker(port);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            try
            {
                using var file = new FileStream(marker, FileMode.CreateNew, FileAccess.Write);
                file.Write(System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture)));
                return true;
            }
            catch (IOException) when (File.Exists(marker))
            {
                if (OwnerAlive(marker))
                {
                    return false;
                }

                File.Delete(marker); // its AppHost died without freeing it
            }
        }

        return false;
    }

    public static void Release(int port) => File.Delete(Marker(port));

    /// <summary>Frees every port this process reserved (on stop; a crash leaves stale files the next AppHost takes over).</summary>
    public static void ReleaseAll()
    {
        if (!Directory.Exists(Folder))
        {
            return;
        }

        var me = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        foreach (var marker in Directory.EnumerateFiles(Folder))
        {
            try
            {
                if (File.ReadAllText(marker) == me)
                {
                    File.Delete(marker);
                }
            }
            catch (IOException)
            {
                // Another AppHost is taking it over right now.
            }
        }
    }

    private static string Marker(int port) => Path.Combine(Folder, port.ToString(CultureInfo.InvariantCulture));

    private static bool OwnerAlive(string marker)
    {
        try
        {
            var owner = File.ReadAllText(marker);
            // Empty: created a moment ago and not yet written, so its owner is alive.
            return owner.Length == 0
                || (int.TryParse(owner, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Directory.Exists($"/proc/{pid}"));
        }
        catch (IOException)
        {
            return true; // being written right now: its owner is alive
        }
    }
}
