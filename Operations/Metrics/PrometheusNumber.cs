using System.Globalization;

namespace Commerce.Operations.Metrics;

/// <summary>Reads a number as Prometheus writes it, in a query's result or a bucket's <c>le</c> label: "0.5", "1.5e3", "+Inf", "NaN".</summary>
public static class PrometheusNumber
{
    public static bool TryParse(string text, out double value)
    {
        // .NET spells infinity "Infinity"; Prometheus spells it "+Inf".
        switch (text)
        {
            case "+Inf": value = double.PositiveInfinity; return true;
            case "-Inf": value = double.NegativeInfinity; return true;
            case "NaN": value = double.NaN; return true;
            default: return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        }
    }
}
