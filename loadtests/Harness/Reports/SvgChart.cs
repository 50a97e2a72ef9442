using System.Globalization;
using System.Net;
using System.Text;

namespace Commerce.LoadTests.Harness;

/// <summary>A plain inline-SVG line chart, so report.html needs no script, CDN or network.</summary>
internal static class SvgChart
{
    private const double Width = 760, Height = 260, Left = 64, Right = 16, Top = 36, Bottom = 36;

    /// <summary>One line; a null Y leaves a gap (a second without answers has no percentile).</summary>
    public sealed record Series(string Name, string Colour, IReadOnlyList<(double X, double? Y)> Points);

    public static string Line(string title, string yUnit, IReadOnlyList<Series> series)
    {
        var xs = series.SelectMany(s => s.Points.Select(p => p.X)).DefaultIfEmpty(1).ToList();
        var ys = series.SelectMany(s => s.Points.Where(p => p.Y is not null).Select(p => p.Y!.Value)).DefaultIfEmpty(0);
        var xStep = NiceStep(Math.Max(xs.Max(), 1));
        var yStep = NiceStep(Math.Max(ys.Max(), 1e-3));
        var xMax = Math.Ceiling(Math.Max(xs.Max(), 1) / xStep) * xStep;
        var yMax = Math.Ceiling(Math.Max(ys.Max(), 1e-3) / yStep) * yStep;
        double X(double x) => Left + (x / xMax * (Width - Left - Right));
        double Y(double y) => Height - Bottom - (y / yMax * (Height - Top - Bottom));

        var svg = new StringBuilder();
        svg.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" role=\"img\">"));
        svg.Append(Invariant($"<text x=\"{Left}\" y=\"20\" font-weight=\"bold\">{Encode(title)}</text>"));
        for (var y = 0.0; y <= yMax + (yStep / 2); y += yStep)
        {
            svg.Append(Invariant($"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Y(y):0.#}\" y2=\"{Y(y):0.#}\" stroke=\"#ddd\"/>"));
            svg.Append(Invariant($"<text x=\"{Left - 6}\" y=\"{Y(y) + 4:0.#}\" text-anchor=\"end\">{y:0.###}</text>"));
        }

        for (var x = 0.0; x <= xMax + (xStep / 2); x += xStep)
        {
            svg.Append(Invariant($"<text x=\"{X(x):0.#}\" y=\"{Height - Bottom + 16}\" text-anchor=\"middle\">{x:0.###}</text>"));
        }

        svg.Append(Invariant($"<text x=\"{Width - Right}\" y=\"{Height - 4}\" text-anchor=\"end\">seconds</text>"));
        svg.Append(Invariant($"<text x=\"12\" y=\"{Top - 10}\">{Encode(yUnit)}</text>"));
        svg.Append(Invariant($"<line x1=\"{Left}\" x2=\"{Left}\" y1=\"{Top}\" y2=\"{Height - Bottom}\" stroke=\"#888\"/>"));

        var legendX = Width - Right;
        foreach (var line in series.Reverse())
        {
            legendX -= 12 + (7 * line.Name.Length) + 18;
            svg.Append(Invariant($"<rect x=\"{legendX}\" y=\"12\" width=\"12\" height=\"4\" fill=\"{line.Colour}\"/>"));
            svg.Append(Invariant($"<text x=\"{legendX + 16}\" y=\"18\">{Encode(line.Name)}</text>"));
            foreach (var segment in Segments(line.Points))
            {
                var points = string.Join(" ", segment.Select(p => Invariant($"{X(p.X):0.#},{Y(p.Y):0.#}")));
                svg.Append(Invariant($"<polyline fill=\"none\" stroke=\"{line.Colour}\" stroke-width=\"2\" points=\"{points}\"/>"));
            }
        }

        return svg.Append("</svg>").ToString();
    }

    /// <summary>A step of 1, 2 or 5 × 10ⁿ that divides <paramref name="max"/> into about five parts.</summary>
    internal static double NiceStep(double max)
    {
        var raw = max / 5;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var normalised = raw / magnitude;
        return magnitude * (normalised <= 1 ? 1 : normalised <= 2 ? 2 : normalised <= 5 ? 5 : 10);
    }

    private static IEnumerable<List<(double X, double Y)>> Segments(IReadOnlyList<(double X, double? Y)> points)
    {
        var segment = new List<(double X, double Y)>();
        foreach (var (x, y) in points)
        {
            if (y is null)
            {
                if (segment.Count > 0)
                {
                    yield return segment;
                }

                segment = [];
                continue;
            }

            segment.Add((x, y.Value));
        }

        if (segment.Count > 0)
        {
            yield return segment;
        }
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
