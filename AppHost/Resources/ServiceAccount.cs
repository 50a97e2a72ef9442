namespace Commerce.AppHost.Resources;

/// <summary>
/// The Debian account a server program runs as when the AppHost runs as root (CI does): PostgreSQL refuses root, and
/// RabbitMQ's folders belong to its account. <c>setpriv</c> execs the program in place, so the process Aspire starts,
/// stops and reports is the server itself. Run as anyone else, the program runs as that user, unchanged.
/// </summary>
public sealed class ServiceAccount
{
    private const string SetPriv = "/usr/bin/setpriv";

    private ServiceAccount(string? name) => Name = name;

    /// <summary>The account, or null when the AppHost is not root and programs run as its own user.</summary>
    public string? Name { get; }

    public static ServiceAccount Of(string account) => new(Environment.UserName == "root" ? account : null);

    public string CommandFor(string program) => Name is null ? program : SetPriv;

    /// <summary>The arguments that come before the program's own.</summary>
    public IEnumerable<string> ArgumentsFor(string program) =>
        Name is null ? [] : [$"--reuid={Name}", $"--regid={Name}", "--init-groups", program];

    /// <summary>A folder the account owns (created if missing).</summary>
    public string OwnedDirectory(string path)
    {
        Directory.CreateDirectory(path);
        if (Name is not null) Run("/usr/bin/chown", "-R", $"{Name}:{Name}", path);
        return path;
    }

    /// <summary>A file only the account can read.</summary>
    public string OwnedFile(string path, string content)
    {
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        if (Name is not null) Run("/usr/bin/chown", $"{Name}:{Name}", path);
        return path;
    }

    private static void Run(string program, params string[] arguments)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(program, arguments) { RedirectStandardError = true })!;
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed: {process.StandardError.ReadToEnd()}");
        }
    }
}
