using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Appliance.Protocols;

namespace Appliance.Mail;

/// <summary>One reply from a remote server.</summary>
public sealed record RemoteReply(int Code, string Text)
{
    public bool IsSuccess => Code is >= 200 and < 300;
    public bool IsPermanent => Code >= 500;
    public override string ToString() => $"{Code} {Text}";
}

/// <summary>The outcome for one recipient of a delivery attempt.</summary>
public sealed record RecipientOutcome(string Recipient, RemoteReply Reply);

/// <summary>
/// The appliance's SMTP client for outbound delivery (RFC 5321): EHLO, opportunistic STARTTLS (RFC 3207),
/// AUTH PLAIN to a smarthost, SIZE and 8BITMIME when offered, one transaction for several recipients.
/// </summary>
public sealed class SmtpClient : IAsyncDisposable
{
    private readonly TcpClient _tcp = new();
    private Stream _stream = Stream.Null;
    private StreamReader _reader = StreamReader.Null;
    private readonly TimeSpan _timeout;
    private HashSet<string> _extensions = new(StringComparer.OrdinalIgnoreCase);

    public SmtpClient(TimeSpan timeout) => _timeout = timeout;

    public bool IsTls { get; private set; }
    public string RemoteName { get; private set; } = "";

    public async Task ConnectAsync(string host, IPAddress address, int port, string heloName, bool requireTls, bool validateCertificate, CancellationToken cancellationToken)
    {
        RemoteName = $"{host}[{address}]";
        using (var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            connect.CancelAfter(_timeout);
            await _tcp.ConnectAsync(address, port, connect.Token).ConfigureAwait(false);
        }
        SetStream(_tcp.GetStream());
        var greeting = await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
        if (!greeting.IsSuccess) throw new RemoteReplyException(greeting);
        await HelloAsync(heloName, cancellationToken).ConfigureAwait(false);
        if (_extensions.Contains("STARTTLS"))
        {
            var reply = await CommandAsync("STARTTLS", cancellationToken).ConfigureAwait(false);
            if (reply.Code == 220)
            {
                var tls = new SslStream(_stream, leaveInnerStreamOpen: false, (_, _, _, errors) =>
                    !validateCertificate || errors == SslPolicyErrors.None);
                using var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                handshake.CancelAfter(_timeout);
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = host }, handshake.Token).ConfigureAwait(false);
                SetStream(tls);
                IsTls = true;
                await HelloAsync(heloName, cancellationToken).ConfigureAwait(false);
            }
        }
        if (requireTls && !IsTls)
        {
            throw new RemoteReplyException(new RemoteReply(454, "TLS required by configuration but not offered"));
        }
    }

    public async Task AuthenticateAsync(string user, string password, CancellationToken cancellationToken)
    {
        if (!IsTls) throw new RemoteReplyException(new RemoteReply(538, "Refusing to send a password without TLS"));
        var token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));
        var reply = await CommandAsync($"AUTH PLAIN {token}", cancellationToken).ConfigureAwait(false);
        if (!reply.IsSuccess) throw new RemoteReplyException(reply);
    }

    /// <summary>Sends one message to several recipients; the outcome is per recipient.</summary>
    public async Task<IReadOnlyList<RecipientOutcome>> SendAsync(string sender, IReadOnlyList<string> recipients, Stream message, long size, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        ArgumentNullException.ThrowIfNull(message);
        var mail = new StringBuilder($"MAIL FROM:<{sender}>");
        if (_extensions.Contains("SIZE")) mail.Append(CultureInfo.InvariantCulture, $" SIZE={size}");
        if (_extensions.Contains("8BITMIME")) mail.Append(" BODY=8BITMIME");
        var mailReply = await CommandAsync(mail.ToString(), cancellationToken).ConfigureAwait(false);
        if (!mailReply.IsSuccess)
        {
            return [.. recipients.Select(r => new RecipientOutcome(r, mailReply))];
        }
        var outcomes = new Dictionary<string, RemoteReply>();
        var accepted = new List<string>();
        foreach (var recipient in recipients)
        {
            var reply = await CommandAsync($"RCPT TO:<{recipient}>", cancellationToken).ConfigureAwait(false);
            outcomes[recipient] = reply;
            if (reply.IsSuccess) accepted.Add(recipient);
        }
        if (accepted.Count == 0)
        {
            await CommandAsync("RSET", cancellationToken).ConfigureAwait(false);
            return [.. recipients.Select(r => new RecipientOutcome(r, outcomes[r]))];
        }
        var data = await CommandAsync("DATA", cancellationToken).ConfigureAwait(false);
        if (data.Code != 354)
        {
            return [.. recipients.Select(r => new RecipientOutcome(r, accepted.Contains(r) ? data : outcomes[r]))];
        }
        await WriteDotStuffedAsync(message, cancellationToken).ConfigureAwait(false);
        var final = await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
        return [.. recipients.Select(r => new RecipientOutcome(r, accepted.Contains(r) ? final : outcomes[r]))];
    }

    public async Task QuitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await CommandAsync("QUIT", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or RemoteReplyException or OperationCanceledException)
        {
            // The message is already delivered or deferred; a rude goodbye changes nothing.
        }
    }

    private async Task HelloAsync(string heloName, CancellationToken cancellationToken)
    {
        var reply = await CommandAsync($"EHLO {heloName}", cancellationToken).ConfigureAwait(false);
        if (!reply.IsSuccess)
        {
            reply = await CommandAsync($"HELO {heloName}", cancellationToken).ConfigureAwait(false);
            if (!reply.IsSuccess) throw new RemoteReplyException(reply);
            _extensions = new(StringComparer.OrdinalIgnoreCase);
            return;
        }
        _extensions = new HashSet<string>(reply.Text.Split('\n').Skip(1).Select(l => l.Split(' ')[0].Trim()), StringComparer.OrdinalIgnoreCase);
    }

    private async Task<RemoteReply> CommandAsync(string command, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(command + "\r\n");
        await _stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        return await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a (possibly multi-line) reply: <c>250-…</c> lines then <c>250 …</c>.</summary>
    private async Task<RemoteReply> ReadReplyAsync(CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(_timeout);
        while (true)
        {
            var line = await _reader.ReadLineAsync(timer.Token).ConfigureAwait(false)
                ?? throw new IOException("The remote server closed the connection.");
            if (line.Length < 3 || !int.TryParse(line.AsSpan(0, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var code))
            {
                throw new IOException($"Malformed reply: {line[..Math.Min(line.Length, 100)]}");
            }
            lines.Add(line.Length > 4 ? line[4..] : "");
            if (lines.Count > 1000) throw new IOException("Reply too long.");
            if (line.Length == 3 || line[3] == ' ')
            {
                return new RemoteReply(code, string.Join('\n', lines));
            }
        }
    }

    /// <summary>RFC 5321 §4.5.2: a line starting with "." gets another; the data ends with CRLF.CRLF.</summary>
    private async Task WriteDotStuffedAsync(Stream message, CancellationToken cancellationToken)
    {
        var output = new BufferedStream(_stream, 65536);
        var buffer = new byte[65536];
        var atLineStart = true;
        var lastByte = (byte)'\n';
        int read;
        while ((read = await message.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            var start = 0;
            for (var i = 0; i < read; i++)
            {
                if (atLineStart && buffer[i] == (byte)'.')
                {
                    await output.WriteAsync(buffer.AsMemory(start, i - start), cancellationToken).ConfigureAwait(false);
                    output.WriteByte((byte)'.');
                    start = i;
                }
                atLineStart = buffer[i] == (byte)'\n';
            }
            await output.WriteAsync(buffer.AsMemory(start, read - start), cancellationToken).ConfigureAwait(false);
            lastByte = buffer[read - 1];
        }
        await output.WriteAsync(lastByte == (byte)'\n' ? ".\r\n"u8.ToArray() : "\r\n.\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private void SetStream(Stream stream)
    {
        _stream = stream;
        _reader = new StreamReader(stream, Encoding.UTF8, false, 4096, leaveOpen: true);
    }

    public async ValueTask DisposeAsync()
    {
        _reader.Dispose();
        await _stream.DisposeAsync().ConfigureAwait(false);
        _tcp.Dispose();
    }
}

public sealed class RemoteReplyException(RemoteReply reply) : Exception(reply?.ToString())
{
    public RemoteReply Reply { get; } = reply ?? throw new ArgumentNullException(nameof(reply));
}
