using System.Globalization;

namespace Appliance.Accounts;

/// <summary>Sizes as people write them: <c>500M</c>, <c>2G</c>, <c>1.5GB</c>, <c>0</c> (no limit); units are powers of 1024.</summary>
public static class ByteSize
{
    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        var s = (text ?? "").Trim().ToUpperInvariant().Replace(" ", "", StringComparison.Ordinal);
        if (s.Length == 0)
        {
            return false;
        }
        if (s.EndsWith("IB", StringComparison.Ordinal)) s = s[..^2];
        else if (s.EndsWith('B')) s = s[..^1];
        long factor = 1;
        if (s.Length > 0 && "KMGT".Contains(s[^1], StringComparison.Ordinal))
        {
            factor = s[^1] switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1L << 40 };
            s = s[..^1];
        }
        if (!decimal.TryParse(s, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number) || number < 0)
        {
            return false;
        }
        var value = number * factor;
        if (value > long.MaxValue / 2)
        {
            return false;
        }
        bytes = (long)decimal.Round(value);
        return true;
    }

    public static long Parse(string? text) =>
        TryParse(text, out var bytes) ? bytes : throw new AccountException("Quota.Invalid", text ?? "");

    /// <summary>The largest whole unit that keeps one decimal: 1.5 GiB, 500 MiB; 0 is shown by the caller as "no limit".</summary>
    public static string Format(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes} B" : value.ToString(value % 1 == 0 ? "0" : "0.#", CultureInfo.InvariantCulture) + " " + units[unit];
    }
}
