using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Appliance.Accounts;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Imap;

/// <summary>
/// Two sessions on one mailbox, over raw TLS sockets so that every untagged line is seen in order.
/// Each session keeps the client's model of RFC 3501 §2.3.1.2: a list of UIDs by sequence number
/// that only EXPUNGE and EXISTS change. Every FETCH must name, for its sequence number, the UID the
/// model holds there; EXPUNGE must never come during FETCH, STORE or SEARCH by number (§7.4.1).
/// </summary>
public sealed partial class ImapCoherenceTests : IAsyncLifetime
{
    private const string Password = "Str0ng-Passw0rd";
    private RunningHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await RunningHost.StartWithImapAsync();
        await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", Password, "Bob"));
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<Session> OpenAsync()
    {
        var session = await Session.ConnectAsync(_host.ImapsPort);
        await session.OkAsync($"LOGIN bob@example.com {Password}");
        return session;
    }

    private static async Task AppendAsync(Session session, int count, int bodySize = 0)
    {
        for (var i = 1; i <= count; i++)
        {
            var message = $"Subject: m{i}\r\n\r\n{new string('x', bodySize)}body {i}\r\n";
            await session.OkAsync($"APPEND INBOX {{{Encoding.UTF8.GetByteCount(message)}+}}\r\n{message}");
        }
    }

    [Fact]
    public async Task Expunge_by_one_session_reaches_the_other_only_where_allowed_and_numbers_stay_right()
    {
        await using var a = await OpenAsync();
        await using var b = await OpenAsync();
        await AppendAsync(a, 10);
        // \Recent goes to the first session that selects the mailbox, and to that one only.
        Assert.Contains("* 10 RECENT", await a.SelectAsync("INBOX"));
        Assert.Contains("* 0 RECENT", await b.SelectAsync("INBOX"));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), b.Model);

        await a.OkAsync(@"STORE 2,4,6 +FLAGS.SILENT (\Deleted)");
        var expunge = await a.OkAsync("EXPUNGE");
        Assert.Equal(3, expunge.Count(l => l.EndsWith(" EXPUNGE", StringComparison.Ordinal)));
        Assert.Equal([1, 3, 5, 7, 8, 9, 10], a.Model);

        // B still numbers by its old view: 3 is UID 3, and the data is that message's.
        var (fetched, tagged) = await b.CommandAsync("FETCH 1:10 (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
        Assert.DoesNotContain(fetched, l => l.EndsWith(" EXPUNGE", StringComparison.Ordinal));
        foreach (var line in fetched.Where(l => l.Contains(" FETCH ", StringComparison.Ordinal) && l.Contains("BODY[", StringComparison.Ordinal)))
        {
            var sequence = int.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture);
            Assert.Contains($"Subject: m{b.Model[sequence - 1]}\r\n", line, StringComparison.Ordinal);
        }
        // RFC 2180 §4.1.2 and RFC 5530: messages another session expunged are either still served or
        // the FETCH ends in NO [EXPUNGEISSUED]; a plain OK with data missing would mislead the client.
        var served = fetched.Count(l => l.Contains(" FETCH ", StringComparison.Ordinal) && l.Contains("BODY[", StringComparison.Ordinal));
        Assert.True(served == 10 ? tagged.Contains(" OK ", StringComparison.Ordinal) : tagged.Contains(" NO [EXPUNGEISSUED]", StringComparison.Ordinal), $"{served} served, then {tagged}");

        var (stored, _) = await b.CommandAsync(@"STORE 3 +FLAGS (\Flagged)");
        Assert.DoesNotContain(stored, l => l.EndsWith(" EXPUNGE", StringComparison.Ordinal));
        Assert.Contains(stored, l => l.StartsWith(@"* 3 FETCH (FLAGS (\Flagged", StringComparison.Ordinal));
        var (searched, _) = await b.CommandAsync("SEARCH FLAGGED");
        Assert.Contains("* SEARCH 3", searched);

        // NOOP may announce them: highest first or not, the model ends where A is.
        var noop = await b.OkAsync("NOOP");
        Assert.Equal(3, noop.Count(l => l.EndsWith(" EXPUNGE", StringComparison.Ordinal)));
        Assert.Equal(a.Model, b.Model);
        await b.OkAsync("FETCH 1:* (UID)");
        Assert.Equal([1, 3, 5, 7, 8, 9, 10], b.Model);
        var flagged = await b.OkAsync("UID SEARCH FLAGGED");
        Assert.Contains("* SEARCH 3", flagged);

        // A's flag change from B and a new message from A reach each other.
        var seenByA = await a.OkAsync("NOOP");
        Assert.Contains(seenByA, l => l.StartsWith(@"* 2 FETCH (", StringComparison.Ordinal) && l.Contains(@"\Flagged", StringComparison.Ordinal) && l.Contains("UID 3", StringComparison.Ordinal));
        await AppendAsync(a, 1);
        var exists = await b.OkAsync("NOOP");
        Assert.Contains("* 8 EXISTS", exists);
        await b.OkAsync("FETCH 8 (UID)");
        Assert.Equal(11, b.Model[7]);
    }

    [Fact]
    public async Task Expunge_while_the_other_session_fetches_keeps_its_numbers_consistent()
    {
        await using var a = await OpenAsync();
        await using var b = await OpenAsync();
        await AppendAsync(a, 40, bodySize: 20_000);
        await a.SelectAsync("INBOX");
        await b.SelectAsync("INBOX");
        await a.OkAsync(@"STORE 1:* +FLAGS.SILENT (\Deleted)");
        await a.OkAsync($@"STORE {string.Join(',', Enumerable.Range(1, 20).Select(i => i * 2))} -FLAGS.SILENT (\Deleted)");

        // Both at once: B reads every body while A expunges the odd ones.
        var fetch = b.CommandAsync("FETCH 1:40 (UID RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
        var expunge = a.OkAsync("EXPUNGE");
        var (fetched, tagged) = await fetch;
        await expunge;
        Assert.DoesNotContain(fetched, l => l.EndsWith(" EXPUNGE", StringComparison.Ordinal));
        // Besides the data, B may be told of A's flag changes (FETCH FLAGS), never of the expunge.
        foreach (var line in fetched.Where(l => l.Contains(" FETCH ", StringComparison.Ordinal) && l.Contains("BODY[", StringComparison.Ordinal)))
        {
            var sequence = int.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture);
            Assert.Contains($"Subject: m{b.Model[sequence - 1]}\r\n", line, StringComparison.Ordinal);
        }
        Assert.Matches("^[A-Za-z0-9]+ (OK|NO \\[EXPUNGEISSUED\\]) ", tagged);

        // UID FETCH may announce the expunges at once; after it, B's model is A's.
        await b.OkAsync("UID FETCH 1:* (FLAGS)");
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i * 2), b.Model);
        Assert.Equal(a.Model, b.Model);
        await b.OkAsync("FETCH 1:* (UID)");
        Assert.Equal(20, b.Model.Count);
    }

    [Fact]
    public async Task Idle_session_sees_another_sessions_flag_change_expunge_and_append()
    {
        await using var a = await OpenAsync();
        await using var b = await OpenAsync();
        await AppendAsync(a, 3);
        await a.SelectAsync("INBOX");
        await b.SelectAsync("INBOX");
        await b.SendAsync("i1 IDLE");
        Assert.StartsWith("+", await b.ReadLineAsync(), StringComparison.Ordinal);

        await a.OkAsync(@"STORE 1 +FLAGS.SILENT (\Answered)");
        Assert.Matches(@"^\* 1 FETCH \(.*\\Answered", await b.ReadLineAsync());
        await a.OkAsync(@"UID STORE 2 +FLAGS.SILENT (\Deleted)");
        await a.OkAsync("UID EXPUNGE 2");
        // The \Deleted flag may be shown first, if B looked between the STORE and the EXPUNGE.
        var next = await b.ReadLineAsync();
        if (next.StartsWith("* 2 FETCH ", StringComparison.Ordinal))
        {
            Assert.Contains(@"\Deleted", next, StringComparison.Ordinal);
            next = await b.ReadLineAsync();
        }
        Assert.Equal("* 2 EXPUNGE", next);
        await AppendAsync(a, 1);
        Assert.Equal("* 3 EXISTS", await b.ReadLineAsync());

        await b.SendAsync("DONE");
        var rest = new List<string>();
        string line;
        while (!(line = await b.ReadLineAsync()).StartsWith("i1 ", StringComparison.Ordinal))
        {
            rest.Add(line);
        }
        Assert.StartsWith("i1 OK", line, StringComparison.Ordinal);
        await b.OkAsync("FETCH 1:* (UID)");
        Assert.Equal([1, 3, 4], b.Model);
    }

    /// <summary>A raw IMAP client over implicit TLS that reads literals and keeps the sequence-number model.</summary>
    private sealed partial class Session : IAsyncDisposable
    {
        private readonly TcpClient _tcp;
        private readonly SslStream _tls;
        private readonly byte[] _buffer = new byte[65536];
        private int _start;
        private int _end;
        private int _tags;

        private Session(TcpClient tcp, SslStream tls)
        {
            _tcp = tcp;
            _tls = tls;
        }

        /// <summary>UIDs by sequence number as this client was told them; 0 where EXISTS announced a message not fetched yet.</summary>
        public List<long> Model { get; } = [];

        public static async Task<Session> ConnectAsync(int port)
        {
            var tcp = new TcpClient();
            await tcp.ConnectAsync("127.0.0.1", port);
            var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
            await tls.AuthenticateAsClientAsync("localhost");
            var session = new Session(tcp, tls);
            Assert.StartsWith("* OK", await session.ReadLineAsync(), StringComparison.Ordinal);
            return session;
        }

        public async Task<List<string>> SelectAsync(string mailbox)
        {
            Model.Clear();
            var lines = await OkAsync("SELECT " + mailbox);
            await OkAsync("FETCH 1:* (UID)");
            return lines;
        }

        public async Task<List<string>> OkAsync(string command)
        {
            var (lines, tagged) = await CommandAsync(command);
            Assert.True(tagged.Split(' ')[1] == "OK", $"{command} -> {tagged}");
            return lines;
        }

        /// <summary>Sends a command and reads to its tagged reply, applying EXPUNGE, EXISTS and FETCH UID to the model.</summary>
        public async Task<(List<string> Untagged, string Tagged)> CommandAsync(string command)
        {
            var tag = "t" + (++_tags).ToString(CultureInfo.InvariantCulture);
            await SendAsync(tag + " " + command);
            var lines = new List<string>();
            while (true)
            {
                var line = await ReadLineAsync();
                if (line.StartsWith(tag + " ", StringComparison.Ordinal))
                {
                    return (lines, line);
                }
                lines.Add(line);
            }
        }

        public async Task SendAsync(string line)
        {
            await _tls.WriteAsync(Encoding.UTF8.GetBytes(line + "\r\n"));
            await _tls.FlushAsync();
        }

        /// <summary>One response line with its literals inlined; untagged lines update the model as they arrive.</summary>
        public async Task<string> ReadLineAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var text = new StringBuilder();
            while (true)
            {
                var line = await ReadRawLineAsync(timeout.Token);
                text.Append(line);
                var literal = LiteralAtEnd().Match(line);
                if (!literal.Success)
                {
                    break;
                }
                text.Append("\r\n").Append(Encoding.UTF8.GetString(await ReadBytesAsync(int.Parse(literal.Groups[1].Value, CultureInfo.InvariantCulture), timeout.Token)));
            }
            var result = text.ToString();
            Apply(result);
            return result;
        }

        private void Apply(string line)
        {
            var match = Untagged().Match(line);
            if (!match.Success)
            {
                return;
            }
            var number = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            switch (match.Groups[2].Value)
            {
                case "EXPUNGE":
                    Assert.InRange(number, 1, Model.Count);
                    Model.RemoveAt(number - 1);
                    break;
                case "EXISTS":
                    Assert.True(number >= Model.Count, $"EXISTS {number} with {Model.Count} known: messages vanished without EXPUNGE");
                    while (Model.Count < number) Model.Add(0);
                    break;
                case "FETCH":
                    Assert.InRange(number, 1, Model.Count);
                    if (FetchUid().Match(line) is { Success: true } uid)
                    {
                        var value = long.Parse(uid.Groups[1].Value, CultureInfo.InvariantCulture);
                        Assert.True(Model[number - 1] == 0 || Model[number - 1] == value, $"sequence {number} is UID {Model[number - 1]} here, the server says {value}: {line}");
                        Model[number - 1] = value;
                    }
                    break;
            }
        }

        private async Task<string> ReadRawLineAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                var index = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (index >= 0)
                {
                    var line = Encoding.UTF8.GetString(_buffer, _start, index - _start).TrimEnd('\r');
                    _start = index + 1;
                    return line;
                }
                await FillAsync(cancellationToken);
            }
        }

        private async Task<byte[]> ReadBytesAsync(int count, CancellationToken cancellationToken)
        {
            var result = new byte[count];
            var done = 0;
            while (done < count)
            {
                if (_start == _end)
                {
                    await FillAsync(cancellationToken);
                }
                var take = Math.Min(count - done, _end - _start);
                Array.Copy(_buffer, _start, result, done, take);
                _start += take;
                done += take;
            }
            return result;
        }

        private async Task FillAsync(CancellationToken cancellationToken)
        {
            if (_start > 0)
            {
                Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            Assert.True(_end < _buffer.Length, "response line longer than the test client's buffer");
            var read = await _tls.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (read == 0)
            {
                throw new IOException("the server closed the connection");
            }
            _end += read;
        }

        public async ValueTask DisposeAsync()
        {
            await _tls.DisposeAsync();
            _tcp.Dispose();
        }

        [GeneratedRegex(@"\{(\d+)\}$")]
        private static partial Regex LiteralAtEnd();

        [GeneratedRegex(@"^\* (\d+) (EXPUNGE|EXISTS|FETCH)\b")]
        private static partial Regex Untagged();

        [GeneratedRegex(@"[( ]UID (\d+)")]
        private static partial Regex FetchUid();
    }
}
