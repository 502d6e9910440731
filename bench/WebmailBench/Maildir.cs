using System.Diagnostics;
using System.Globalization;

namespace WebmailBench;

/// <summary>Writes the generated messages as a Maildir INBOX for Dovecot, byte for byte what Appliance stored.</summary>
public static class Maildir
{
    /// <summary>Writes the first <paramref name="count"/> messages into <paramref name="root"/>/cur; returns how many.</summary>
    public static int Write(string root, MailGenerator generator, int count)
    {
        foreach (var sub in new[] { "cur", "new", "tmp" })
        {
            Directory.CreateDirectory(Path.Combine(root, sub));
        }
        var written = 0;
        while (generator.HasNext && written < count)
        {
            var message = generator.Next();
            // Dovecot's own names: <seconds>.M<unique>P<pid>.<host>, with S=<size> so it need not stat the file;
            // the received date (INTERNALDATE, ARRIVAL) is the file's mtime.
            var name = string.Create(CultureInfo.InvariantCulture,
                $"{message.InternalDate.ToUnixTimeSeconds()}.M{written}P1.bench,S={message.Bytes.Length}:2,");
            var path = Path.Combine(root, "cur", name);
            File.WriteAllBytes(path, message.Bytes);
            File.SetLastWriteTimeUtc(path, message.InternalDate.UtcDateTime);
            written++;
        }
        // Dovecot runs the mailbox as the mail user (static userdb uid=mail).
        using var chown = Process.Start("chown", ["-R", "mail:mail", root]);
        chown.WaitForExit();
        return written;
    }
}
