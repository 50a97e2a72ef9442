using System.Text.RegularExpressions;

namespace Commerce.ServiceDefaults.Errors;

/// <summary>User and product ids are 1–64 characters of <c>[A-Za-z0-9_-]</c> (docs/api.md).</summary>
public static partial class Ids
{
    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex WellFormedId();

    public static bool IsWellFormed(string? id) => id is not null && WellFormedId().IsMatch(id);
}
