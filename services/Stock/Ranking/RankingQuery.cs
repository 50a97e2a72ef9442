namespace Commerce.Stock.Ranking;

/// <summary>The <c>top</c> query parameter of the ranking: 1-100, 10 when absent.</summary>
public static class RankingQuery
{
    public const int DefaultTop = 10;
    public const int MaxTop = 100;

    /// <summary>The number of products to show, or null when <paramref name="top"/> is not a whole number from 1 to 100.</summary>
    public static int? ParseTop(string? top)
    {
        if (top is null)
        {
            return DefaultTop;
        }

        return int.TryParse(top, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value)
            && value is >= 1 and <= MaxTop
            ? value
            : null;
    }
}
