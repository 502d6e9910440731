using System.Buffers;
using System.Text;

namespace Appliance.Smtp.Parsing;

/// <summary>A command line split into its verb (upper-cased) and the rest.</summary>
public readonly record struct SmtpCommand(string Verb, string Arguments)
{
    /// <summary>
    /// RFC 5321 §4.1.1: <c>command = verb [SP argument] CRLF</c>. The line is decoded as UTF-8 (SMTPUTF8
    /// addresses); invalid bytes become U+FFFD and then fail the argument syntax.
    /// </summary>
    public static SmtpCommand Parse(ReadOnlySequence<byte> line)
    {
        var text = Encoding.UTF8.GetString(line);
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        return space < 0
            ? new SmtpCommand(text.Trim().ToUpperInvariant(), "")
            : new SmtpCommand(text[..space].ToUpperInvariant(), text[(space + 1)..].Trim());
    }
}
