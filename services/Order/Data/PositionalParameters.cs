using Npgsql;

namespace Commerce.Order.Data;

/// <summary>Binds $1, $2, … in order, so a statement's values read as one list beside its SQL.</summary>
public static class PositionalParameters
{
    /// <remarks>
    /// A null is sent untyped: every statement here puts its parameters where PostgreSQL infers the type from the column
    /// (a value inserted, assigned or compared), so no parameter needs its type named.
    /// </remarks>
    public static void AddPositional(this NpgsqlParameterCollection parameters, params object?[] values)
    {
        foreach (var value in values) parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
    }
}
