using System.Text;

namespace Appliance.Pop3;

/// <summary>
/// A POP3 status line: <c>+OK</c> or <c>-ERR</c>, with an RFC 2449 §8 response code in brackets when
/// the client should act on the reason ([IN-USE], [LOGIN-DELAY], RFC 3206's [AUTH] and [SYS/TEMP]).
/// </summary>
public sealed record Pop3Reply(bool Ok, string? Code, string Text)
{
    public byte[] ToBytes() => Encoding.UTF8.GetBytes(ToString() + "\r\n");

    public override string ToString() =>
        (Ok ? "+OK" : "-ERR") + (Code is null ? "" : $" [{Code}]") + (Text.Length == 0 ? "" : " " + Text);

    public static Pop3Reply Success(string text) => new(true, null, text);

    public static Pop3Reply Error(string text, string? code = null) => new(false, code, text);

    public static readonly Pop3Reply Unknown = Error("Unknown command");
    public static readonly Pop3Reply LineTooLong = Error("Line too long");
    public static readonly Pop3Reply SyntaxError = Error("Syntax error");
    public static readonly Pop3Reply NoSuchMessage = Error("No such message");
}

/// <summary>A refusal that carries its wire reply; the session's one catch site writes it.</summary>
public sealed class Pop3ReplyException(Pop3Reply reply) : Exception(reply?.ToString())
{
    public Pop3Reply Reply { get; } = reply ?? throw new ArgumentNullException(nameof(reply));
}
