using System.Text;

namespace Appliance.Filtering.Scanning;

/// <summary>
/// The rules table of a REPORT body (SpamAssassin's <c>_SUMMARY_</c> template tag):
/// <code>
///  pts rule name              description
/// ---- ---------------------- --------------------------------------------------
///  2.7 MISSING_DATE           Missing Date: header
/// 1000 GTUBE                  BODY: Generic Test for Unsolicited Bulk Email
///                             [a long description goes on, indented]
/// </code>
/// Points are right-aligned in the first four columns, so a row starts within them; a line indented further continues
/// the row above. The table ends at a blank line or at the end of the body.
/// </summary>
public static class SpamdReport
{
    /// <summary>A row's points start within the first four columns; continuation lines are indented under the description (column 28).</summary>
    private const int PointsColumnWidth = 4;

    public static IReadOnlyList<SpamSymbol> Parse(ReadOnlySpan<byte> body)
    {
        var symbols = new List<SpamSymbol>();
        var inTable = false;
        string? name = null;
        double points = 0;
        var description = new StringBuilder();
        foreach (var range in body.Split((byte)'\n'))
        {
            var line = body[range];
            if (line.Length > 0 && line[^1] == '\r')
            {
                line = line[..^1];
            }
            if (!inTable)
            {
                // The rule under the column titles: "---- ------…".
                inTable = line.StartsWith("---- "u8) && !line.ContainsAnyExcept("- "u8);
                continue;
            }
            var indent = line.IndexOfAnyExcept((byte)' ', (byte)'\t');
            if (indent < 0)
            {
                break;
            }
            var text = line[indent..];
            if (indent >= PointsColumnWidth || !TryParseRow(text, out var rowPoints, out var rowName, out var rowDescription))
            {
                if (name is not null)
                {
                    description.Append(' ').Append(SpamdReply.Printable(text.TrimEnd((byte)' ')));
                }
                continue;
            }
            Flush();
            name = rowName;
            points = rowPoints;
            description.Append(rowDescription);
        }
        Flush();
        return symbols;

        void Flush()
        {
            if (name is not null)
            {
                symbols.Add(new SpamSymbol(name, points, description.ToString()));
            }
            name = null;
            description.Clear();
        }
    }

    /// <summary><c>points 1*SP rule-name *SP [description]</c>; rule names are SpamAssassin's <c>[A-Za-z0-9_]+</c>.</summary>
    private static bool TryParseRow(ReadOnlySpan<byte> text, out double points, out string name, out string description)
    {
        points = 0;
        name = description = "";
        var space = text.IndexOf((byte)' ');
        if (space <= 0 || !SpamdReply.TryParseNumber(text[..space], out points))
        {
            return false;
        }
        var rest = text[space..].TrimStart((byte)' ');
        var end = rest.IndexOf((byte)' ');
        var ruleName = end < 0 ? rest : rest[..end];
        if (ruleName.IsEmpty || ruleName.ContainsAnyExcept("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"u8))
        {
            return false;
        }
        name = Encoding.ASCII.GetString(ruleName);
        description = end < 0 ? "" : SpamdReply.Printable(rest[end..].Trim((byte)' '));
        return true;
    }
}
