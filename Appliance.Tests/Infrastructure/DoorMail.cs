using System.Text;
using Appliance.Mailstore;
using Appliance.Storage;

namespace Appliance.Tests.Infrastructure;

/// <summary>What the end-to-end tests of the filtering door share: mail sent in over port 25 with smtplib, and a folder read back.</summary>
public static class DoorMail
{
    /// <summary>Sends <paramref name="message"/> to bob@example.com over port 25; returns "250" or the refusal's code and text.</summary>
    public static async Task<string> SendAsync(RunningHost host, byte[] message, string from = "anna@elsewhere.example")
    {
        var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", $$"""
            import smtplib, sys
            s = smtplib.SMTP('127.0.0.1', {{host.SmtpPort}}, timeout=120)
            s.ehlo('client.elsewhere.example')
            try:
                s.sendmail('{{from}}', ['bob@example.com'], sys.stdin.buffer.read())
                print('250')
            except smtplib.SMTPDataError as e:
                print(e.smtp_code, e.smtp_error.decode())
            s.quit()
            """], Encoding.ASCII.GetString(message), timeoutSeconds: 180);
        Assert.True(code == 0, $"python failed ({code}): {error}\n{output}");
        return output.Trim();
    }

    /// <summary>Sends a short message to bob@example.com over port 25; returns "sent", or the refused recipient's code and text (the UCE checks refuse at RCPT).</summary>
    public static async Task<string> SendHelloAsync(RunningHost host)
    {
        var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", $$"""
            import smtplib
            s = smtplib.SMTP('127.0.0.1', {{host.SmtpPort}}, timeout=20)
            s.ehlo('client.elsewhere.example')
            try:
                s.sendmail('alice@elsewhere.example', ['bob@example.com'], b'Subject: hello\r\n\r\nHello Bob\r\n')
                print('sent')
            except smtplib.SMTPRecipientsRefused as e:
                c, m = e.recipients['bob@example.com']
                print(c, m.decode())
            s.quit()
            """]);
        Assert.True(code == 0, $"python failed ({code}): {error}\n{output}");
        return output.Trim();
    }

    /// <summary>The text of every message in one of bob's folders.</summary>
    public static async Task<List<string>> FolderAsync(RunningHost host, string folder)
    {
        var result = new List<string>();
        foreach (var message in await host.Get<MailStore>().MessagesAsync("bob@example.com", folder))
        {
            await using var stream = host.Get<BlobStore>().OpenRead(message.BlobHash)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            result.Add(await reader.ReadToEndAsync());
        }
        return result;
    }
}
