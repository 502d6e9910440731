using Appliance.Storage;
using Microsoft.Data.Sqlite;

namespace Appliance.Mailstore;

/// <summary>
/// A case-insensitive substring test for SQL, <c>contains_folded(haystack, needle)</c>. SQLite's own LIKE
/// and lower() fold ASCII only; this folds as the trigram index does (and as IMAP SEARCH compares,
/// RFC 3501 §6.4.4), so "ÉTÉ" finds "été" whichever way a criterion is answered.
/// </summary>
internal static class FoldedText
{
    public const string Function = "contains_folded";

    /// <summary>Defines the function on this connection (functions are per connection, pooled ones included).</summary>
    public static void Register(SqliteConnection connection) =>
        connection.CreateFunction<string?, string?, bool>(Function, Contains, isDeterministic: true);

    /// <summary>
    /// The SQL test that <paramref name="column"/> contains the needle in parameters @<paramref name="parameter"/>
    /// (as given) and @<paramref name="parameter"/>Like (<see cref="Sql.LikePattern"/>). An ASCII needle is
    /// left to SQLite's LIKE, which folds ASCII alike and runs several times faster than a call into .NET per row.
    /// </summary>
    public static string Condition(string column, string parameter, string needle) =>
        System.Text.Ascii.IsValid(needle)
            ? $"{column} LIKE @{parameter}Like ESCAPE '\\'"
            : $"{Function}({column}, @{parameter})";

    public static bool Contains(string? haystack, string? needle) =>
        haystack is not null && needle is not null && haystack.Contains(needle, StringComparison.OrdinalIgnoreCase);
}
