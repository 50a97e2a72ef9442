namespace Commerce.AppHost.Hosting;

/// <summary>
/// One resource's output: streamed to the console with the resource's name in front, appended to
/// <c>.commerce/logs/&lt;resource&gt;.log</c>, and the last lines kept for the dashboard.
/// </summary>
public sealed class ResourceLog
{
    private const int KeptLines = 200;
    private static readonly object ConsoleGate = new();
    private static readonly string[] Colours = ["36", "32", "33", "35", "34", "96", "92", "93", "95", "94"];

    private readonly string prefix;
    private readonly StreamWriter file;
    private readonly Queue<string> lastLines = new();

    public ResourceLog(string resourceName, string path, int index)
    {
        Name = resourceName;
        Path = path;
        var label = $"[{resourceName}]".PadRight(15);
        prefix = Console.IsOutputRedirected ? label : $"\u001b[{Colours[index % Colours.Length]}m{label}\u001b[0m";
        file = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
    }

    public string Name { get; }
    public string Path { get; }

    /// <summary>When false, lines go to the file only (the console stays readable under load).</summary>
    public static bool EchoToConsole { get; set; } = true;

    public void Write(string line)
    {
        lock (lastLines)
        {
            file.WriteLine(line);
            lastLines.Enqueue(line);
            if (lastLines.Count > KeptLines) lastLines.Dequeue();
        }

        if (EchoToConsole)
        {
            lock (ConsoleGate) Console.Out.WriteLine(prefix + line);
        }
    }

    public IReadOnlyList<string> Tail(int count)
    {
        lock (lastLines) return [.. lastLines.TakeLast(count)];
    }
}
