using System.Data;
using System.Globalization;
using Dapper;

namespace Appliance.Storage;

/// <summary>Dapper set-up and small SQL helpers shared by the repositories.</summary>
public static class Sql
{
    private static int s_configured;

    /// <summary>Columns are snake_case, properties PascalCase; times are ISO 8601 text in UTC.</summary>
    public static void Configure()
    {
        if (Interlocked.Exchange(ref s_configured, 1) == 1)
        {
            return;
        }
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        SqlMapper.AddTypeHandler(new DateTimeOffsetHandler());
        SqlMapper.RemoveTypeMap(typeof(DateTimeOffset));
        SqlMapper.RemoveTypeMap(typeof(DateTimeOffset?));
        SqlMapper.AddTypeHandler(new DateTimeOffsetHandler());
    }

    /// <summary>A LIKE pattern matching <paramref name="search"/> anywhere, with %, _ and \ escaped.</summary>
    public static string LikePattern(string? search) =>
        "%" + (search ?? "").Trim().Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";

    private sealed class DateTimeOffsetHandler : SqlMapper.TypeHandler<DateTimeOffset>
    {
        public override void SetValue(IDbDataParameter parameter, DateTimeOffset value)
        {
            parameter.DbType = DbType.String;
            parameter.Value = value.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
        }

        public override DateTimeOffset Parse(object value) =>
            DateTimeOffset.Parse((string)value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
    }
}
