using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Appliance.Accounts;
using Appliance.Tests.Infrastructure;
using Appliance.Tests.Mime;

namespace Appliance.Tests.Imap;

/// <summary>
/// FETCH ENVELOPE, BODYSTRUCTURE and BODY of every message in the MIME corpus, APPENDed to the appliance and to a
/// private Dovecot 2.3 (Debian's dovecot-imapd) as the independent reference, must agree after normalizing only what
/// RFC 3501 leaves to the server.
/// </summary>
public sealed class ImapReferenceTests : IAsyncLifetime
{
    private const string Password = "Str0ng-Passw0rd";
    private RunningHost _host = null!;
    private PrivateDovecot _dovecot = null!;

    public async Task InitializeAsync()
    {
        _dovecot = await PrivateDovecot.StartAsync(Password);
        _host = await RunningHost.StartWithImapAsync();
        await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", Password));
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _dovecot.DisposeAsync();
    }

    [Fact]
    public async Task Envelope_bodystructure_and_body_agree_with_dovecot_for_the_mime_corpus()
    {
        var names = MimeCorpus.Names.ToList();
        Assert.True(names.Count >= 15, "the MIME corpus is missing");

        await using var dovecot = await RawImap.ConnectAsync(_dovecot.Port, startTls: false);
        await dovecot.OkAsync("LOGIN bob " + Password);
        await using var appliance = await RawImap.ConnectAsync(_host.ImapPort, startTls: true);
        await appliance.OkAsync("LOGIN bob@example.com " + Password);
        foreach (var name in names)
        {
            var message = MimeCorpus.Read(name);
            await dovecot.AppendAsync("INBOX", message);
            await appliance.AppendAsync("INBOX", message);
        }

        const string fetch = "FETCH 1:* (ENVELOPE BODYSTRUCTURE BODY)";
        await dovecot.OkAsync("SELECT INBOX");
        await appliance.OkAsync("SELECT INBOX");
        var theirs = Fetches(await dovecot.OkAsync(fetch));
        var ours = Fetches(await appliance.OkAsync(fetch));

        var differences = new List<string>();
        for (var i = 0; i < names.Count; i++)
        {
            var seq = i + 1;
            Assert.True(theirs.ContainsKey(seq) && ours.ContainsKey(seq), $"no FETCH answer for {names[i]}");
            var bareLf = MimeCorpus.Read(names[i]).AsSpan().IndexOf("\r\n"u8) < 0;
            foreach (var item in new[] { "ENVELOPE", "BODYSTRUCTURE", "BODY" })
            {
                var text = Encoding.UTF8.GetString(MimeCorpus.Read(names[i]));
                var expected = Normalize(item, theirs[seq][item], octets: !bareLf, text);
                var actual = Normalize(item, ours[seq][item], octets: !bareLf, text);
                if (item != "ENVELOPE" && ReadDifferently.TryGetValue(names[i], out var pinned))
                {
                    // Ours is pinned instead (BODY is BODYSTRUCTURE without extension data, so it is checked with it).
                    expected = item == "BODY" ? actual : pinned;
                }
                if (expected != actual)
                {
                    differences.Add($"{names[i]} {item}\n  expected:  {expected}\n  appliance: {actual}");
                }
            }
            if (bareLf)
            {
                // Octets masked above, so each server's body-fld-octets must be what its own BODY[n] sends.
                await AssertOctetsAsync(dovecot, seq, theirs[seq]["BODYSTRUCTURE"]);
                await AssertOctetsAsync(appliance, seq, ours[seq]["BODYSTRUCTURE"]);
            }
        }
        Assert.True(differences.Count == 0, string.Join("\n", differences));
    }

    /// <summary>
    /// Malformed messages that RFC 2045/2046 give no single reading for, where Dovecot reads them differently from us and
    /// from Python's email (PythonCrossCheckTests holds ours to Python's). ENVELOPE must still agree with Dovecot; our
    /// BODYSTRUCTURE (normalized as below) is pinned here.
    /// </summary>
    private static readonly Dictionary<string, string> ReadDifferently = new(StringComparer.Ordinal)
    {
        // Dovecot 2.3 takes a line that merely starts with "--" boundary as a delimiter ("--pad-not-a-delimiter",
        // "--padding is not ..."), giving four parts; RFC 2046 §5.1.1 allows only spaces and tabs after the boundary.
        ["transport-padding-and-preamble.eml"] =
            """(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 80 1 NIL NIL NIL NIL)("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 9 0 NIL NIL NIL NIL) "mixed" ("boundary" "pad") NIL NIL NIL)""",
        // Dovecot keeps reading header lines past "This line is not a header field" and finds an empty body; a line
        // without a colon is no header field (RFC 5322 §2.2), so the body starts there (Python agrees).
        ["no-header-body-separator.eml"] =
            """("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 73 2 NIL NIL NIL NIL)""",
        // multipart/mixed without its required boundary parameter (RFC 2046 §5.1.1): Dovecot invents one empty text/plain
        // part; we report a leaf whose octets are the whole body, so a client can still fetch them as BODY[1].
        ["missing-boundary-parameter.eml"] =
            """("multipart" "mixed" NIL NIL NIL "7bit" 99 NIL NIL NIL NIL)""",
        // No close delimiter: Dovecot keeps the last CRLF in the last part, we let the end of the message take it as the
        // missing delimiter would (as Python's email does), so that part is 2 octets shorter.
        ["missing-end-boundary.eml"] =
            """(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 11 0 NIL NIL NIL NIL)("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 60 0 NIL NIL NIL NIL) "mixed" ("boundary" "cut") NIL NIL NIL)""",
    };

    private static async Task AssertOctetsAsync(RawImap server, int seq, Sexp structure)
    {
        var parts = structure.Items.TakeWhile(p => p.IsList).ToList();
        for (var n = 1; n <= parts.Count; n++)
        {
            var fetched = Fetches(await server.OkAsync($"FETCH {seq} BODY.PEEK[{n}]"))[seq][$"BODY[{n}]"];
            Assert.Equal(Encoding.UTF8.GetByteCount(fetched.Text), long.Parse(parts[n - 1].Items[6].Text, CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Sequence number → FETCH item name → value, from the untagged FETCH responses.</summary>
    private static Dictionary<int, Dictionary<string, Sexp>> Fetches(IReadOnlyList<Sexp> responses)
    {
        var result = new Dictionary<int, Dictionary<string, Sexp>>();
        foreach (var response in responses)
        {
            // "*" SP nz-number SP "FETCH" SP msg-att
            var items = response.Items;
            if (items.Count != 4 || items[2].Text != "FETCH")
            {
                continue;
            }
            var seq = int.Parse(items[1].Text, CultureInfo.InvariantCulture);
            var attributes = result.TryGetValue(seq, out var known) ? known : result[seq] = [];
            var list = items[3].Items;
            for (var i = 0; i + 1 < list.Count; i += 2)
            {
                attributes[list[i].Text.ToUpperInvariant()] = list[i + 1];
            }
        }
        return result;
    }

    /// <summary>
    /// <paramref name="octets"/> false masks body-fld-octets, for a message APPENDed with bare LF line ends: Dovecot sends
    /// (and counts) CRLF whatever was stored, we send the octets as APPENDed; both are RFC 3501 §7.4.2 "the size of the
    /// body in octets" as that server sends it, which AssertOctetsAsync checks instead.
    /// </summary>
    private static string Normalize(string item, Sexp value, bool octets, string message) =>
        item == "ENVELOPE" ? Envelope(value) : Body(value, extensions: item == "BODYSTRUCTURE", octets, message);

    // ---- normalization: each rule is something RFC 3501 (or the MIME RFCs it points to) leaves to the server ----

    /// <summary>
    /// Strings as strings: RFC 3501 §4.3 lets a server send any string as quoted or as a literal (Dovecot sends 8-bit
    /// header text as literals, and atoms as quoted strings); after parsing both are the same octets.
    /// </summary>
    private static string Str(Sexp value) => value.IsNil ? "NIL" : "\"" + value.Text + "\"";

    /// <summary>
    /// The address lists compared item by item. No name is masked: for <c>dave@example.net (Dave D)</c>, which has no
    /// phrase, both report the comment as addr-name (the RFC 822 habit; see AddressParser.TrailingComment).
    /// </summary>
    private static string Envelope(Sexp envelope)
    {
        var fields = envelope.Items;
        var sb = new StringBuilder("(");
        for (var i = 0; i < fields.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(' ');
            }
            if (i is >= 2 and <= 7)
            {
                sb.Append(fields[i].IsNil ? "NIL" : "(" + string.Concat(fields[i].Items.Select(a => "(" + string.Join(' ', a.Items.Select(Str)) + ")")) + ")");
            }
            else
            {
                sb.Append(Str(fields[i]));
            }
        }
        return sb.Append(')').ToString();
    }

    private static string Body(Sexp body, bool extensions, bool octets, string message)
    {
        var items = body.Items;
        var sb = new StringBuilder("(");
        if (items.Count > 0 && items[0].IsList)
        {
            // body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
            var parts = items.TakeWhile(i => i.IsList).ToList();
            foreach (var part in parts)
            {
                sb.Append(Body(part, extensions, octets, message));
            }
            sb.Append(' ').Append(Lower(items[parts.Count]));
            if (extensions)
            {
                var ext = items.Skip(parts.Count + 1).ToList();
                AppendExtensions(sb, ext.Count > 0 ? Parameters(ext[0]) : "NIL", ext.Skip(1).ToList());
            }
            return sb.Append(')').ToString();
        }
        // body-type-1part: type, subtype, params, id, description, encoding, octets, then per type.
        var type = Lower(items[0]);
        var subtype = Lower(items[1]);
        // Text without a charset parameter is us-ascii (RFC 2045 §5.2, RFC 2046 §4.1.2); Dovecot always says so in
        // body-fld-param, we only when the Content-Type field is absent. The same meaning either way.
        sb.Append(type).Append(' ').Append(subtype).Append(' ').Append(Parameters(items[2], defaultCharset: type == "\"text\"")).Append(' ')
            .Append(Str(items[3])).Append(' ').Append(Str(items[4])).Append(' ').Append(Lower(items[5])).Append(' ').Append(octets ? items[6].Text : "#");
        var at = 7;
        if (type == "\"message\"" && subtype == "\"rfc822\"")
        {
            sb.Append(' ').Append(Envelope(items[7])).Append(' ').Append(Body(items[8], extensions, octets, message)).Append(' ').Append(items[9].Text);
            at = 10;
        }
        else if (type == "\"text\"")
        {
            sb.Append(' ').Append(items[7].Text);
            at = 8;
        }
        if (extensions)
        {
            // body-fld-md5 is the Content-MD5 header's value, which no corpus message has: both must say NIL.
            var ext = items.Skip(at).ToList();
            AppendExtensions(sb, ext.Count > 0 ? Str(ext[0]) : "NIL", ext.Skip(1).ToList());
        }
        return sb.Append(')').ToString();
    }

    /// <summary>
    /// body-fld-dsp, body-fld-lang, body-fld-loc. RFC 3501 makes each later extension field optional ("[SP ...]"), so a
    /// missing trailing field and NIL are the same; the disposition type is case-insensitive (RFC 2183 §2).
    /// </summary>
    private static void AppendExtensions(StringBuilder sb, string first, List<Sexp> rest)
    {
        var fields = new List<string> { first };
        fields.Add(rest.Count > 0 && !rest[0].IsNil ? "(" + Lower(rest[0].Items[0]) + " " + Parameters(rest[0].Items[1]) + ")" : "NIL");
        // body-fld-lang is "nstring / (string *(SP string))": one language may come as a string or as a list of one.
        fields.Add(rest.Count > 1 ? Language(rest[1]) : "NIL");
        fields.Add(rest.Count > 2 ? Str(rest[2]) : "NIL");
        sb.Append(' ').AppendJoin(' ', fields);
    }

    private static string Language(Sexp value) =>
        value.IsNil ? "NIL" : value.IsList ? "(" + string.Join(' ', value.Items.Select(Lower)) + ")" : "(" + Lower(value) + ")";

    /// <summary>
    /// body-fld-param. Names are case-insensitive (RFC 2045 §5.1) and so is a charset's value (RFC 2046 §4.1.2).
    /// RFC 2231 forms are decoded: RFC 3501 passes parameters on as MIME has them, Dovecot 2.3 sends name*0*= pieces
    /// and charset''percent-encoding as they stand while we join and decode them (both readings are common; clients
    /// such as MailKit decode either), so the reference's raw forms are joined and decoded before comparing.
    /// </summary>
    private static string Parameters(Sexp value, bool defaultCharset = false)
    {
        var pairs = new List<(string Name, string Value)>();
        for (var i = 0; i + 1 < value.Items.Count; i += 2)
        {
            pairs.Add((value.Items[i].Text.ToLowerInvariant(), value.Items[i + 1].Text));
        }
        pairs = Rfc2231(pairs);
        if (defaultCharset && !pairs.Any(p => p.Name == "charset"))
        {
            pairs.Insert(0, ("charset", "us-ascii"));
        }
        if (pairs.Count == 0)
        {
            return "NIL";
        }
        return "(" + string.Join(' ', pairs.Select(p => $"\"{p.Name}\" \"{(p.Name == "charset" ? p.Value.ToLowerInvariant() : p.Value)}\"")) + ")";
    }

    private static List<(string Name, string Value)> Rfc2231(List<(string Name, string Value)> pairs)
    {
        var result = new List<(string Name, string Value)>();
        var pieces = new Dictionary<string, SortedDictionary<int, (bool Encoded, string Value)>>();
        foreach (var (name, value) in pairs)
        {
            var star = name.IndexOf('*', StringComparison.Ordinal);
            if (star < 0)
            {
                result.Add((name, value));
                continue;
            }
            var baseName = name[..star];
            var rest = name[(star + 1)..];
            var encoded = rest.EndsWith('*') || rest.Length == 0;
            var index = int.TryParse(rest.TrimEnd('*'), out var n) ? n : 0;
            if (!pieces.TryGetValue(baseName, out var list))
            {
                pieces[baseName] = list = [];
                result.Add((baseName, ""));
            }
            list[index] = (encoded, value);
        }
        for (var i = 0; i < result.Count; i++)
        {
            if (!pieces.TryGetValue(result[i].Name, out var list))
            {
                continue;
            }
            var bytes = new List<byte>();
            Encoding charset = Encoding.ASCII;
            foreach (var (index, (encoded, text)) in list)
            {
                var piece = text;
                if (encoded && index == 0)
                {
                    var quotes = piece.Split('\'', 3);
                    charset = Encoding.GetEncoding(quotes[0]);
                    piece = quotes[2];
                }
                for (var j = 0; j < piece.Length; j++)
                {
                    if (encoded && piece[j] == '%' && j + 2 < piece.Length && byte.TryParse(piece.AsSpan(j + 1, 2), NumberStyles.HexNumber, null, out var b))
                    {
                        bytes.Add(b);
                        j += 2;
                    }
                    else
                    {
                        bytes.AddRange(Encoding.UTF8.GetBytes(piece[j].ToString()));
                    }
                }
            }
            result[i] = (result[i].Name, charset.GetString([.. bytes]));
        }
        return result;
    }

    /// <summary>Media type, subtype, transfer encoding and disposition type are case-insensitive (RFC 2045 §5.1, §6.1).</summary>
    private static string Lower(Sexp value) => value.IsNil ? "NIL" : "\"" + value.Text.ToLowerInvariant() + "\"";
}

/// <summary>
/// Dovecot 2.3 as a private reference server: its own base, state and log folders, IMAP on a free loopback port with
/// plaintext LOGIN (no TLS to configure), one static user whose Maildir belongs to "mail". Started with
/// <c>dovecot -c</c> (which daemonizes) and stopped with <c>dovecot -c ... stop</c>.
/// </summary>
internal sealed class PrivateDovecot : IAsyncDisposable
{
    private const string Binary = "/usr/sbin/dovecot";
    private readonly TempDirectory _directory = new();
    private string Config => Path.Combine(_directory.Path, "dovecot.conf");

    public int Port { get; } = FreePort.Get();

    /// <param name="mailLocationOptions">Appended to mail_location, e.g. ":LAYOUT=fs" for "/" as hierarchy separator.</param>
    public static async Task<PrivateDovecot> StartAsync(string password, string mailLocationOptions = "")
    {
        // A missing reference is a failure, never a skip: Appliance.Tests/run.sh installs dovecot-imapd.
        Assert.True(File.Exists(Binary) && File.Exists("/usr/lib/dovecot/imap"), "Dovecot is not installed (Debian packages dovecot-core, dovecot-imapd)");
        var dovecot = new PrivateDovecot();
        var root = dovecot._directory.Path;
        var mail = Path.Combine(root, "mail");
        Directory.CreateDirectory(Path.Combine(root, "run"));
        Directory.CreateDirectory(Path.Combine(root, "state"));
        Directory.CreateDirectory(mail);
        // The mail processes run as "mail" (uid 8 on Debian, hence first_valid_uid) and must reach their Maildir.
        File.SetUnixFileMode(root, File.GetUnixFileMode(root) | UnixFileMode.OtherExecute);
        var (code, _, error) = await ExternalProgram.RunAsync("chown", ["mail:mail", mail]);
        Assert.True(code == 0, "chown mail:mail failed: " + error);
        await File.WriteAllTextAsync(dovecot.Config, $$"""
            base_dir = {{root}}/run
            state_dir = {{root}}/state
            log_path = {{root}}/dovecot.log
            protocols = imap
            ssl = no
            disable_plaintext_auth = no
            first_valid_uid = 8
            mail_location = maildir:{{mail}}/%n{{mailLocationOptions}}
            passdb {
              driver = static
              args = password={{password}}
            }
            userdb {
              driver = static
              args = uid=mail gid=mail home={{mail}}/%n
            }
            service imap-login {
              inet_listener imap {
                address = 127.0.0.1
                port = {{dovecot.Port}}
              }
              inet_listener imaps {
                port = 0
              }
            }

            """);
        code = await dovecot.RunAsync();
        Assert.True(code == 0, $"dovecot did not start ({code}): {dovecot.Log()}");
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, dovecot.Port);
                return dovecot;
            }
            catch (SocketException) when (clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(100);
            }
            catch (SocketException)
            {
                await dovecot.DisposeAsync();
                throw new TimeoutException($"dovecot did not listen on {dovecot.Port} within 30 s: {dovecot.Log()}");
            }
        }
    }

    /// <summary>
    /// Runs dovecot with the private configuration. Not through <see cref="ExternalProgram"/>: the master daemonizes and
    /// its child would hold redirected output pipes open, so the output goes where the test host's goes (errors are in the
    /// log file).
    /// </summary>
    private async Task<int> RunAsync(params string[] extra)
    {
        var start = new ProcessStartInfo(Binary) { UseShellExecute = false };
        foreach (var arg in (string[])["-c", Config, .. extra])
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode;
    }

    private string Log()
    {
        var log = Path.Combine(_directory.Path, "dovecot.log");
        return File.Exists(log) ? File.ReadAllText(log) : "(no log)";
    }

    public async ValueTask DisposeAsync()
    {
        await RunAsync("stop");
        _directory.Dispose();
    }
}

/// <summary>A parsed IMAP value: NIL, an atom or number, a string (quoted or literal), or a parenthesized list.</summary>
internal sealed record Sexp(string Text, IReadOnlyList<Sexp> Items, bool IsList, bool IsNil)
{
    public static readonly Sexp Nil = new("NIL", [], false, true);

    public override string ToString() => IsNil ? "NIL" : IsList ? "(" + string.Join(' ', Items) + ")" : Text;
}

/// <summary>
/// A byte-exact IMAP client for reference comparisons: sends messages as LITERAL+ literals and reads responses with a
/// small tokenizer (atoms, quoted strings, literals, lists), so 8-bit and literal answers compare as the same octets.
/// </summary>
internal sealed class RawImap : IAsyncDisposable
{
    private readonly TcpClient _client;
    private Stream _stream;
    private readonly byte[] _buffer = new byte[65536];
    private int _at;
    private int _count;
    private int _tag;

    private RawImap(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<RawImap> ConnectAsync(int port, bool startTls)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, port);
        var imap = new RawImap(client);
        await imap.ReadResponseAsync();
        if (startTls)
        {
            await imap.OkAsync("STARTTLS");
            var tls = new SslStream(imap._stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
            await tls.AuthenticateAsClientAsync("localhost");
            imap._stream = tls;
        }
        return imap;
    }

    /// <summary>Runs a command that must end OK and returns its untagged responses.</summary>
    public Task<List<Sexp>> OkAsync(string command) => OkAsync(Encoding.ASCII.GetBytes(command), []);

    /// <summary>A message with NUL octets goes as a literal8 (RFC 3516 §4.3): CHAR8 in a plain literal excludes NUL.</summary>
    public Task<List<Sexp>> AppendAsync(string mailbox, byte[] message) =>
        OkAsync(Encoding.ASCII.GetBytes($"APPEND {mailbox} {(message.Contains((byte)0) ? "~" : "")}{{{message.Length}+}}\r\n"), message);

    private async Task<List<Sexp>> OkAsync(byte[] command, byte[] literal)
    {
        var tag = "r" + (++_tag).ToString(CultureInfo.InvariantCulture);
        await _stream.WriteAsync(Encoding.ASCII.GetBytes(tag + " "));
        await _stream.WriteAsync(command);
        await _stream.WriteAsync(literal);
        await _stream.WriteAsync("\r\n"u8.ToArray());
        await _stream.FlushAsync();
        var untagged = new List<Sexp>();
        while (true)
        {
            var response = await ReadResponseAsync();
            if (response.Items[0].Text == tag)
            {
                Assert.True(response.Items.Count > 1 && response.Items[1].Text == "OK", $"{Encoding.ASCII.GetString(command).Trim()}: {response}");
                return untagged;
            }
            untagged.Add(response);
        }
    }

    /// <summary>One response line as a list of its tokens; text after a status word is kept as atoms.</summary>
    private async Task<Sexp> ReadResponseAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var stack = new Stack<List<Sexp>>();
        var current = new List<Sexp>();
        while (true)
        {
            if (stack.Count == 0 && current.Count == 2 && current[1].Text is "OK" or "NO" or "BAD" or "BYE" or "PREAUTH")
            {
                // resp-text is free text (Dovecot's "(0.001 + 0.000 secs)."), not a list of values: kept as one atom.
                var text = new List<byte>();
                byte t;
                while ((t = await ReadAsync(timeout.Token)) != '\n')
                {
                    text.Add(t);
                }
                current.Add(new Sexp(Encoding.UTF8.GetString([.. text]).Trim(), [], false, false));
                return new Sexp("", current, true, false);
            }
            var b = await PeekAsync(timeout.Token);
            switch ((char)b)
            {
                case ' ':
                    _at++;
                    break;
                case '\r':
                    _at++;
                    break;
                case '\n':
                    _at++;
                    Assert.Empty(stack);
                    return new Sexp("", current, true, false);
                case '(':
                    _at++;
                    stack.Push(current);
                    current = [];
                    break;
                case ')':
                    _at++;
                    var list = new Sexp("", current, true, false);
                    current = stack.Pop();
                    current.Add(list);
                    break;
                case '"':
                    _at++;
                    var quoted = new List<byte>();
                    while (true)
                    {
                        var c = await ReadAsync(timeout.Token);
                        if (c == '\\')
                        {
                            c = await ReadAsync(timeout.Token);
                        }
                        else if (c == '"')
                        {
                            break;
                        }
                        quoted.Add(c);
                    }
                    current.Add(new Sexp(Encoding.UTF8.GetString([.. quoted]), [], false, false));
                    break;
                case '{':
                    _at++;
                    var digits = new StringBuilder();
                    byte d;
                    while ((d = await ReadAsync(timeout.Token)) != '}')
                    {
                        digits.Append((char)d);
                    }
                    Assert.Equal((byte)'\r', await ReadAsync(timeout.Token));
                    Assert.Equal((byte)'\n', await ReadAsync(timeout.Token));
                    var bytes = new byte[int.Parse(digits.ToString(), CultureInfo.InvariantCulture)];
                    for (var i = 0; i < bytes.Length; i++)
                    {
                        bytes[i] = await ReadAsync(timeout.Token);
                    }
                    current.Add(new Sexp(Encoding.UTF8.GetString(bytes), [], false, false));
                    break;
                default:
                    // An atom, number or NIL; "[" ... "]" of response codes and section specs stay inside the atom.
                    var atom = new StringBuilder();
                    var depth = 0;
                    while (true)
                    {
                        var c = await PeekAsync(timeout.Token);
                        if (c == '[')
                        {
                            depth++;
                        }
                        else if (c == ']')
                        {
                            depth--;
                        }
                        else if ((depth == 0 && (c is (byte)' ' or (byte)'(' or (byte)')')) || c is (byte)'\r' or (byte)'\n')
                        {
                            break;
                        }
                        atom.Append((char)c);
                        _at++;
                    }
                    var text = atom.ToString();
                    current.Add(text.Equals("NIL", StringComparison.OrdinalIgnoreCase) ? Sexp.Nil : new Sexp(text, [], false, false));
                    break;
            }
        }
    }

    private async ValueTask<byte> PeekAsync(CancellationToken cancellationToken)
    {
        if (_at == _count)
        {
            _count = await _stream.ReadAsync(_buffer, cancellationToken);
            _at = 0;
            if (_count == 0)
            {
                throw new EndOfStreamException("the server closed the connection");
            }
        }
        return _buffer[_at];
    }

    private async ValueTask<byte> ReadAsync(CancellationToken cancellationToken)
    {
        var b = await PeekAsync(cancellationToken);
        _at++;
        return b;
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _client.Dispose();
    }
}
