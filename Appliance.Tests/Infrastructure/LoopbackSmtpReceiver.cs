using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Appliance.Tests.Infrastructure;

/// <summary>
/// A throw-away SMTP server on 127.0.0.1 for outbound tests: it records what it is given and answers
/// RCPT and end-of-data as the test says (250, 451, 550 …).
/// </summary>
public sealed class LoopbackSmtpReceiver : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public LoopbackSmtpReceiver()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The reply to RCPT TO for an address; 250 by default.</summary>
    public Func<string, string> RcptReply { get; set; } = _ => "250 2.1.5 Ok";

    public string DataReply { get; set; } = "250 2.0.0 Ok: queued";

    public List<(string Sender, List<string> Recipients, string Data)> Messages { get; } = [];

    public int Connections;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            Interlocked.Increment(ref Connections);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var reader = new StreamReader(stream, Encoding.UTF8);
                var writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\r\n", AutoFlush = true };
                await writer.WriteLineAsync("220 receiver.test ESMTP");
                string sender = "";
                var recipients = new List<string>();
                string? line;
                while ((line = await reader.ReadLineAsync(_stop.Token)) is not null)
                {
                    var verb = line.Split(' ')[0].ToUpperInvariant();
                    switch (verb)
                    {
                        case "EHLO": await writer.WriteAsync("250-receiver.test\r\n250-SIZE 10000000\r\n250 8BITMIME\r\n"); break;
                        case "HELO": await writer.WriteLineAsync("250 receiver.test"); break;
                        case "MAIL": sender = Between(line); recipients = []; await writer.WriteLineAsync("250 2.1.0 Ok"); break;
                        case "RCPT":
                            var address = Between(line);
                            var reply = RcptReply(address);
                            if (reply.StartsWith('2')) recipients.Add(address);
                            await writer.WriteLineAsync(reply);
                            break;
                        case "DATA":
                            await writer.WriteLineAsync("354 go ahead");
                            var data = new StringBuilder();
                            while ((line = await reader.ReadLineAsync(_stop.Token)) is not null && line != ".")
                            {
                                data.Append(line.StartsWith('.') ? line[1..] : line).Append("\r\n");
                            }
                            if (DataReply.StartsWith('2'))
                            {
                                lock (Messages) Messages.Add((sender, recipients, data.ToString()));
                            }
                            await writer.WriteLineAsync(DataReply);
                            break;
                        case "RSET": await writer.WriteLineAsync("250 Ok"); break;
                        case "QUIT": await writer.WriteLineAsync("221 Bye"); return;
                        default: await writer.WriteLineAsync("502 5.5.2 not here"); break;
                    }
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    private static string Between(string line)
    {
        var start = line.IndexOf('<', StringComparison.Ordinal);
        var end = line.IndexOf('>', StringComparison.Ordinal);
        return start >= 0 && end > start ? line[(start + 1)..end] : "";
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (ObjectDisposedException)
        {
        }
        _stop.Dispose();
    }
}

public static class Eventually
{
    /// <summary>Polls until <paramref name="condition"/> holds; fails after <paramref name="seconds"/>.</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, string what, int seconds = 20)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < until)
        {
            if (await condition()) return;
            await Task.Delay(100);
        }
        Assert.Fail($"Within {seconds} s: {what}");
    }
}
