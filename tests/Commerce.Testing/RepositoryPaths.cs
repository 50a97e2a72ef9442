using System.Reflection;

namespace Commerce.Testing;

/// <summary>Where the repository and the build outputs the tests run are.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string BuildConfiguration { get; } =
        typeof(RepositoryPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public static string AppHostDll => Path.Combine(Root, "AppHost", "bin", BuildConfiguration, "net10.0", "AppHost.dll");

    /// <summary>
    /// A fresh folder for one system's state: under <c>COMMERCE_TEST_ROOT</c> when test.sh gives each run its own
    /// (so two runs on one machine never clean each other up), else under the system's temp folder.
    /// </summary>
    public static string NewTemporaryFolder(string name)
    {
        var root = Environment.GetEnvironmentVariable("COMMERCE_TEST_ROOT") is { Length: > 0 } own
            ? own
            : Path.Combine(Path.GetTempPath(), "commerce-tests");
        var path = Path.Combine(root, $"{name}-{Guid.NewGuid():N}"[..Math.Min(name.Length + 9, 60)]);
        Directory.CreateDirectory(path);
        return path;
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Commerce.sln"))) return directory.FullName;
        }

        throw new InvalidOperationException("Commerce.sln not found above the test's folder.");
    }
}
