using System.Globalization;

namespace Commerce.LoadTests.Harness;

/// <summary>How figures are written in every report, so the console, Markdown and HTML agree.</summary>
public static class Format
{
    public static string Ms(double milliseconds) => milliseconds.ToString(
        milliseconds < 10 ? "0.00" : milliseconds < 1000 ? "0.0" : "#,0", CultureInfo.InvariantCulture);

    public static string Rate(double perSecond) => perSecond.ToString(perSecond < 100 ? "0.00" : "#,0.0", CultureInfo.InvariantCulture);

    public static string Count(long count) => count.ToString("#,0", CultureInfo.InvariantCulture);

    public static string Percent(double percent) => percent.ToString("0.00", CultureInfo.InvariantCulture) + " %";

    /// <summary>Signed relative difference of <paramref name="value"/> from <paramref name="reference"/>, e.g. "−12.3 %".</summary>
    public static string Difference(double value, double reference) => reference == 0
        ? "n/a"
        : ((value - reference) / reference * 100).ToString("+0.0;−0.0;0.0", CultureInfo.InvariantCulture) + " %";
}
