namespace Commerce.AppHost.Resources;

/// <summary>
/// Finds the machine's programs that run the infrastructure; one that is missing stops the AppHost at once, before
/// anything starts, with the one line an operator needs: which Debian package to install.
/// </summary>
public static class DebianPrograms
{
    /// <summary>Debian keeps PostgreSQL's server programs off PATH, in /usr/lib/postgresql/&lt;version&gt;/bin.</summary>
    public static IEnumerable<string> PostgresBinaries =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.EnumerateDirectories("/usr/lib/postgresql")
                .OrderByDescending(directory => int.TryParse(Path.GetFileName(directory), out var version) ? version : 0)
                .Select(directory => Path.Combine(directory, "bin"))
            : [];

    public static string Require(string program, string debianPackage, IEnumerable<string>? alsoIn = null)
    {
        var folders = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(alsoIn ?? []);
        if (folders.Select(folder => Path.Combine(folder, program)).FirstOrDefault(File.Exists) is { } path)
        {
            return path;
        }

        Console.Error.WriteLine(
            $"'{program}' was not found: install the Debian package '{debianPackage}' (sudo apt-get install {debianPackage}, or ./scripts/setup.sh).");
        // Nothing has started yet: stopping here leaves nothing behind, and waiting for a resource that can never start would not.
        Environment.Exit(2);
        return "";
    }
}
