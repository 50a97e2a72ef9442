using System.Globalization;

namespace Commerce.LoadTests.Harness;

/// <summary>One process's /proc/PID/stat, as the process tree and the CPU figures read it.</summary>
internal static class ProcStat
{
    /// <summary>
    /// The fields after "pid (comm)": state, ppid, … (stat(5)'s 3rd field on, so stat(5)'s field N is index N − 3).
    /// comm may hold spaces and parentheses, so they are counted from the last ')'. Null when the process ended meanwhile.
    /// </summary>
    public static string[]? Fields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }
}
