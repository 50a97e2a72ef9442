using System.Globalization;
using System.Text;

namespace Commerce.AppHost.Dashboard.Metrics;

/// <summary>One line of a /metrics page: a series and its current value.</summary>
public sealed record ScrapedSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// Reads Prometheus's text exposition format (what the services' OpenTelemetry exporter and RabbitMQ's plugin serve),
/// for when the dashboard scrapes /metrics itself because Prometheus is not installed.
/// </summary>
public static class ExpositionFormat
{
    /// <summary>The samples of <paramref name="text"/> whose metric name <paramref name="wanted"/> accepts; malformed lines are skipped.</summary>
    public static List<ScrapedSample> Parse(string text, Func<string, bool> wanted)
    {
        var samples = new List<ScrapedSample>();
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#') continue;
            var nameEnd = line.IndexOfAny(['{', ' ']);
            if (nameEnd <= 0) continue;
            var name = line[..nameEnd];
            if (!wanted(name)) continue;
            if (TryParseSample(line, name, nameEnd) is { } sample) samples.Add(sample);
        }

        return samples;
    }

    private static ScrapedSample? TryParseSample(string line, string name, int position)
    {
        var labels = new Dictionary<string, string>();
        if (line[position] == '{')
        {
            position++;
            while (position < line.Length && line[position] != '}')
            {
                var equals = line.IndexOf('=', position);
                if (equals < 0 || equals + 1 >= line.Length || line[equals + 1] != '"') return null;
                var labelName = line[position..equals].Trim();
                var value = new StringBuilder();
                var i = equals + 2;
                for (; i < line.Length && line[i] != '"'; i++)
                {
                    if (line[i] == '\\' && i + 1 < line.Length)
                    {
                        i++;
                        value.Append(line[i] == 'n' ? '\n' : line[i]);
                    }
                    else
                    {
                        value.Append(line[i]);
                    }
                }

                if (i >= line.Length) return null;
                labels[labelName] = value.ToString();
                position = i + 1;
                if (position < line.Length && line[position] == ',') position++;
            }

            if (position >= line.Length) return null;
            position++;
        }

        // The value, then an optional timestamp.
        var rest = line[position..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return rest.Length > 0 && TryParseValue(rest[0], out var number) ? new ScrapedSample(name, labels, number) : null;
    }

    private static bool TryParseValue(string text, out double value)
    {
        switch (text)
        {
            case "+Inf": value = double.PositiveInfinity; return true;
            case "-Inf": value = double.NegativeInfinity; return true;
            case "NaN": value = double.NaN; return true;
            default: return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        }
    }

    /// <summary>Reads a bucket's <c>le</c> label ("0.5", "+Inf").</summary>
    public static bool TryParseBound(string text, out double bound) => TryParseValue(text, out bound);
}
