namespace Commerce.AppHost.Hosting;

/// <summary>Finds the machine's programs on PATH (and PostgreSQL in Debian's versioned folder, which is not on PATH).</summary>
public static class Binaries
{
    public static string? Find(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var directory in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate)) return candidate;
        }

        return null;
    }

    /// <summary>PostgreSQL's server programs: on PATH, else the newest /usr/lib/postgresql/&lt;version&gt;/bin.</summary>
    public static string? FindPostgres(string name)
    {
        if (Find(name) is { } onPath) return onPath;
        const string debianRoot = "/usr/lib/postgresql";
        if (!Directory.Exists(debianRoot)) return null;
        return Directory.EnumerateDirectories(debianRoot)
            .OrderByDescending(directory => int.TryParse(Path.GetFileName(directory), out var version) ? version : 0)
            .Select(directory => Path.Combine(directory, "bin", name))
            .FirstOrDefault(File.Exists);
    }

    public static string? Locate(RequiredBinary binary) =>
        binary.Name is "postgres" or "initdb" ? FindPostgres(binary.Name) : Find(binary.Name);

    public static string Require(RequiredBinary binary) =>
        Locate(binary) ?? throw new MissingBinaryException(binary);
}

/// <summary>A program is missing: the message is the one line an operator needs.</summary>
public sealed class MissingBinaryException(RequiredBinary binary)
    : Exception($"'{binary.Name}' was not found: install the Debian package '{binary.DebianPackage}' (sudo apt-get install {binary.DebianPackage}, or ./scripts/setup.sh).")
{
    public RequiredBinary Binary { get; } = binary;
}
