using System.Text;

namespace Appliance.Smtp;

/// <summary>An SMTP reply: code, RFC 3463 enhanced status, and one or more text lines.</summary>
public sealed record SmtpReply(int Code, string? Enhanced, params string[] Lines)
{
    public bool IsPositive => Code < 400;

    public byte[] ToBytes()
    {
        var text = new StringBuilder();
        for (var i = 0; i < Lines.Length; i++)
        {
            text.Append(Code).Append(i == Lines.Length - 1 ? ' ' : '-');
            if (Enhanced is not null)
            {
                text.Append(Enhanced).Append(' ');
            }
            text.Append(Lines[i]).Append("\r\n");
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    public override string ToString() => $"{Code} {Enhanced} {string.Join(" / ", Lines)}".Replace("  ", " ", StringComparison.Ordinal);

    public static readonly SmtpReply Ok = new(250, "2.0.0", "Ok");
    public static readonly SmtpReply BadSequence = new(503, "5.5.1", "Error: bad sequence of commands");
    public static readonly SmtpReply SyntaxError = new(501, "5.5.4", "Syntax error in parameters or arguments");
    public static readonly SmtpReply Unrecognized = new(500, "5.5.1", "Error: command not recognized");
    public static readonly SmtpReply LineTooLong = new(500, "5.5.2", "Error: line too long");
}

/// <summary>A refusal that carries its wire reply; the session's one catch site writes it.</summary>
public sealed class SmtpReplyException(SmtpReply reply) : Exception(reply?.ToString())
{
    public SmtpReply Reply { get; } = reply ?? throw new ArgumentNullException(nameof(reply));
}
