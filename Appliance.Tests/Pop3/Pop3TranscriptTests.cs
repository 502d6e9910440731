using System.Text;
using Appliance.Mailstore;
using Appliance.Pop3;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Pop3;

/// <summary>
/// Every POP3 command and reply, over a raw socket against the real host: each command in each state,
/// each -ERR, the three ways in (USER/PASS, AUTH PLAIN with and without an initial response), TLS
/// rules, then bad input (overlong lines, garbage, idle and vanished clients), each followed by proof
/// that the server still serves a fresh connection.
/// </summary>
public sealed class Pop3TranscriptTests
{
    private const string Password = Pop3Mail.Password;

    /// <summary>Small limits, so that each can be reached cheaply; each is the smallest the options allow.</summary>
    private static readonly string[] Limits =
    [
        "--Appliance:Pop3:MaxLineLength=255",
        "--Appliance:Pop3:MaxAuthFailures=3",
        "--Appliance:Pop3:MaxErrors=10",
    ];

    private const string First = "From: a@elsewhere.example\r\nSubject: one\r\n\r\nfirst body\r\n";
    // Stored with bare LF, a dot line and no final line break: sent as "Subject: two\r\n\r\n..dot\r\nend\r\n".
    private const string Second = "Subject: two\n\n.dot\nend";
    private const string SecondAsSent = "Subject: two\r\n\r\n..dot\r\nend\r\n";
    // RFC 1939 sizes count the message as sent without its stuffing.
    private static readonly int SecondSize = "Subject: two\r\n\r\n.dot\r\nend\r\n".Length;

    private static async Task<RunningHost> StartAsync(params string[] args)
    {
        var host = await RunningHost.StartWithPop3Async([.. Limits, .. args]);
        await Pop3Mail.AddUsersAsync(host);
        await Pop3Mail.DeliverAsync(host, "bob@example.com", First);
        await Pop3Mail.DeliverAsync(host, "bob@example.com", Second);
        return host;
    }

    /// <summary>A session on the STLS port, upgraded and signed in as <paramref name="user"/>.</summary>
    private static async Task<Pop3Transcript> SignInAsync(RunningHost host, string user = "bob@example.com")
    {
        var pop = await Pop3Transcript.ConnectAsync(host.Pop3Port);
        await pop.StartTlsAsync();
        await pop.OkAsync($"USER {user}");
        await pop.OkAsync($"PASS {Password}");
        return pop;
    }

    /// <summary>After bad input: a new client over implicit TLS signs in and is served.</summary>
    private static async Task AssertStillServesAsync(RunningHost host)
    {
        await using var pop = await Pop3Transcript.ConnectAsync(host.Pop3sPort, implicitTls: true);
        await pop.OkAsync("USER carol@example.com");
        await pop.OkAsync($"PASS {Password}");
        Assert.Equal("+OK 0 0", await pop.OkAsync("STAT"));
        await pop.OkAsync("QUIT");
        Assert.True(await pop.IsClosedAsync());
    }

    // ----- Greeting, CAPA, QUIT -----

    [Fact]
    public async Task Greeting_is_OK_and_QUIT_before_sign_in_says_OK_and_closes()
    {
        await using var host = await StartAsync();
        await using var pop = await Pop3Transcript.ConnectAsync(host.Pop3Port, readGreeting: false);
        Assert.Equal("+OK mail.example.com POP3 Appliance ready", await pop.OkAsync(null));
        await pop.OkAsync("QUIT");
        Assert.True(await pop.IsClosedAsync());
    }

    [Fact]
    public async Task CAPA_before_TLS_offers_STLS_and_no_USER_or_SASL_then_the_reverse_under_TLS()
    {
        await using var host = await StartAsync();
        await using var pop = await Pop3Transcript.ConnectAsync(host.Pop3Port);
        var before = await pop.MultilineAsync("CAPA");
        Assert.Equal(["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "STLS", "IMPLEMENTATION Appliance"], before);
        await pop.StartTlsAsync();
        var after = await pop.MultilineAsync("CAPA");
        Assert.Equal(["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "USER", "SASL PLAIN SCRAM-SHA-256", "IMPLEMENTATION Appliance"], after);
        await pop.OkAsync("USER bob@example.com");
        await pop.OkAsync($"PASS {Password}");
        var signedIn = await pop.MultilineAsync("CAPA");
        Assert.DoesNotContain("USER", signedIn);
        Assert.DoesNotContain("SASL PLAIN SCRAM-SHA-256", signedIn);
        Assert.Contains("TOP", signedIn);
        Assert.Equal("-ERR Syntax error", await pop.ErrAsync("CAPA now"));
    }

    [Fact]
    public async Task Implicit_TLS_port_offers_USER_at_once_and_no_STLS()
    {
        await using var host = await StartAsync();
        await using var pop = await Pop3Transcript.ConnectAsync(host.Pop3sPort, implicitTls: true);
        var capabilities = await pop.MultilineAsync("CAPA");
        Assert.Contains("USER", capabilities);
        Assert.DoesNotContain("STLS", capabilities);
        Assert.Equal("-ERR TLS is already active", await pop.ErrAsync("STLS"));
        await pop.OkAsync("USER bob@example.com");
        Assert.Equal("+OK 2 messages (" + (First.Length + SecondSize) + " octets)", await pop.OkAsync($"PASS {Password}"));
    }

    [Fact]
    public async Task AllowPlaintextAuth_offers_USER_and_SASL_without_TLS()
    {
        await using var host = await StartAsync("--Appliance:Security:AllowPlaintextAuth=true");
        await using var pop = await Pop3Transcript.ConnectAsync(host.Pop3Port);
        var capabilities = await pop.MultilineAsync("CAPA");
        Assert.Contains("USER", capabilities);
        Assert.Contains("STLS", capabilities);
        await pop.OkAsync($"AUTH PLAIN {Pop3Mail.Plain("bob@example.com", Password)}");
        Assert.StartsWith("+OK 2 ", await pop.OkAsync("STAT"), StringComparison.Ordinal);
    }

    // ----- Authorization -----

    [Fact]
    public async Task USER_PASS_and_AUTH_before_TLS_are_refused_with_the_AUTH_code()
    {
        await using var host = await StartAsync();
        await using var pop = await Pop3Transcript.ConnectAsync(host.Pop3Port);
        const string refusal = "-ERR [AUTH] Plaintext authentication is not allowed without TLS; use STLS first";
        Assert.Equal(refusal, await pop.ErrAsync("USER bob@example.com"));
        Assert.Equal(refusal, await pop.ErrAsync($"PASS {Password}"));
        Assert.Equal(refusal, await pop.ErrAsync($"AUTH PLAIN {Pop3Mail.Plain("bob@example.com", Password)}"));
        Assert.Equal(refusal, await pop.ErrAsync("AUTH PLAIN"));
        Assert.Empty(await pop.MultilineAsync("AUTH"));
        // The refusals left nothing behind: after STLS the client starts clean.
        await pop.StartTlsAsync();
        Assert.Equal("-ERR Send USER first", await pop.ErrAsync($"PASS {Password}"));
    }

    [Fact]
    public async Task USER_then_PASS_signs_in_and_a_wrong_password_is_ERR_AUTH()
    {
        await using var host = await StartAsync();
        await using var pop = await Pop3Transcript.ConnectAsync(host.Pop3Port);
        await pop.StartTlsAsync();
        Assert.Equal("-ERR Send USER first", await pop.ErrAsync($"PASS {Password}"));
        Assert.Equal("-ERR Syntax error", await pop.ErrAsync("USER"));
        // Unknown and known addresses get the same answers.
        Assert.Equal("+OK Send the password", await pop.OkAsync("USER ghost@example.com"));
        Assert.Equal("-ERR [AUTH] Authentication failed", await pop.ErrAsync($"PASS {Password}"));
        await pop.OkAsync("USER bob@example.com");
        Assert.Equal("-ERR [AUTH] Authentication failed", await pop.ErrAsync("PASS wrong password"));
        // A failed PASS forgets the USER (RFC 1939 §7).
        Assert.Equal("-ERR Send USER first", await pop.ErrAsync($"PASS {Password}"));
        await pop.OkAsync("USER bob@example.com");
        Assert.Equal($"+OK 2 messages ({First.Length + SecondSize} octets)", await pop.OkAsync($"PASS {Password}"));
    }

    [Fact]
    public async Task Passwords_with_spaces_are_taken_whole()
    {
        await using var host = await StartAsync();
        await host.Get<Appliance.Accounts.UserService>().AddAsync(Appliance.Accounts.Actor.CommandLine,
            new Appliance.Accounts.NewUser("dave@example.com", "My spaced pass 4 phrase", "Dave"));
        await using var pop = await Pop3Transcript.ConnectAsync(host.Pop3sPort, implicitTls: true);
        await pop.OkAsync("USER dave@example.com");
        await pop.OkAsync("PASS My spaced pass 4 phrase");
    }

    [Fact]
    public async Task AUTH_PLAIN_with_an_initial_response_signs_in()
    {
        await using var host = await StartAsync();
        await using var pop = await Pop3Transcript.ConnectAsync(host.Pop3sPort, implicitTls: true);
        Assert.Equal(["PLAIN", "SCRAM-SHA-256"], await pop.MultilineAsync("AUTH"));
        Assert.Equal("-ERR Unsupported authentication mechanism", await pop.ErrAsync("AUTH CRAM-MD5"));
        Assert.Equal("-ERR [AUTH] Authentication failed", await pop.ErrAsync($"AUTH PLAIN {Pop3Mail.Plain("bob@example.com", "wrong")}"));
        Assert.Equal("-ERR Cannot decode the PLAIN response", await pop.ErrAsync("AUTH PLAIN ="));
        await pop.OkAsync($"auth plain {Pop3Mail.Plain("bob@example.com", Password)}");
        Assert.Equal("-ERR Already signed in", await pop.ErrAsync($"AUTH PLAIN {Pop3Mail.Plain("bob@example.com", Password)}"));
    }

    [Fact]
    public async Task AUTH_PLAIN_with_a_continuation_signs_in_and_star_cancels()
    {
        await using var host = await StartAsync();
        await using var pop = await Pop3Transcript.ConnectAsync(host.Pop3sPort, implicitTls: true);
        await pop.SendAsync("AUTH PLAIN\r\n");
        Assert.Equal("+ ", await pop.ReadStatusAsync());
        Assert.Equal("-ERR Authentication cancelled", await pop.ErrAsync("*"));
        await pop.SendAsync("AUTH PLAIN\r\n");
        Assert.Equal("+ ", await pop.ReadStatusAsync());
        Assert.Equal("-ERR Cannot decode the PLAIN response", await pop.ErrAsync("not base64!"));
        await pop.SendAsync("AUTH PLAIN\r\n");
        Assert.Equal("+ ", await pop.ReadStatusAsync());
        // A response that is a command word is still read as the response.
        Assert.Equal("-ERR Cannot decode the PLAIN response", await pop.ErrAsync("QUIT"));
        await pop.SendAsync("AUTH PLAIN\r\n");
        Assert.Equal("+ ", await pop.ReadStatusAsync());
        Assert.StartsWith("+OK 2 messages", await pop.OkAsync(Pop3Mail.Plain("bob@example.com", Password)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Too_many_failed_sign_ins_close_the_session()
    {
        await using var host = await StartAsync();
        await using var pop = await Pop3Transcript.ConnectAsync(host.Pop3sPort, implicitTls: true);
        await pop.OkAsync("USER bob@example.com");
        await pop.ErrAsync("PASS wrong 1");
        await pop.ErrAsync($"AUTH PLAIN {Pop3Mail.Plain("bob@example.com", "wrong 2")}");
        await pop.OkAsync("USER bob@example.com");
        Assert.Equal("-ERR [AUTH] Authentication failed; too many attempts, closing", await pop.ErrAsync("PASS wrong 3"));
        Assert.True(await pop.IsClosedAsync());
        await AssertStillServesAsync(host);
    }

    [Fact]
    public async Task Second_session_for_the_same_user_is_ERR_IN_USE_until_the_first_ends()
    {
        await using var host = await StartAsync();
        var first = await SignInAsync(host);
        await using (var second = await Pop3Transcript.ConnectAsync(host.Pop3sPort, implicitTls: true))
        {
            await second.OkAsync("USER bob@example.com");
            Assert.Equal("-ERR [IN-USE] Mailbox is in use by another POP3 session", await second.ErrAsync($"PASS {Password}"));
            // Still in AUTHORIZATION: another user signs in on the same connection.
            await second.OkAsync("USER carol@example.com");
            await second.OkAsync($"PASS {Password}");
        }
        // A client that vanishes releases the lock too.
        first.Abort();
        await first.DisposeAsync();
        await using var third = await Pop3Transcript.ConnectAsync(host.Pop3sPort, implicitTls: true);
        for (var attempt = 0; ; attempt++)
        {
            await third.OkAsync("USER bob@example.com");
            var reply = await third.ReadStatusAfterAsync($"PASS {Password}");
            if (reply.StartsWith("+OK", StringComparison.Ordinal)) break;
            Assert.True(attempt < 50 && reply.Contains("[IN-USE]", StringComparison.Ordinal), reply);
            await Task.Delay(100);
        }
    }

    // ----- STLS -----

    [Fact]
    public async Task STLS_twice_or_with_an_argument_or_after_sign_in_is_ERR()
    {
        await using var host = await StartAsync();
        await using var pop = await Pop3Transcript.ConnectAsync(host.Pop3Port);
        Assert.Equal("-ERR Syntax error", await pop.ErrAsync("STLS now"));
        await pop.StartTlsAsync();
        Assert.True(pop.IsTls);
        Assert.Equal("-ERR TLS is already active", await pop.ErrAsync("STLS"));
        await pop.OkAsync("USER bob@example.com");
        await pop.OkAsync($"PASS {Password}");
        Assert.Equal("-ERR Already signed in", await pop.ErrAsync("STLS"));
    }

    [Fact]
    public async Task Commands_pipelined_after_STLS_are_discarded_not_run_under_TLS()
    {
        await using var host = await StartAsync("--Appliance:Security:AllowPlaintextAuth=true");
        await using var pop = await Pop3Transcript.ConnectAsync(host.Pop3Port);
        await pop.SendAsync($"STLS\r\nUSER bob@example.com\r\nPASS {Password}\r\n");
        await pop.OkAsync(null);
        await pop.StartTlsHandshakeAfterOkAsync();
        Assert.Equal("-ERR Not signed in yet", await pop.ErrAsync("STAT"));
    }

    // ----- Transaction -----

    [Fact]
    public async Task STAT_LIST_and_UIDL_count_exact_sizes_and_give_IMAP_UIDs()
    {
        await using var host = await StartAsync();
        await using var pop = await SignInAsync(host);
        var size = First.Length + SecondSize;
        Assert.Equal($"+OK 2 {size}", await pop.OkAsync("STAT"));
        Assert.Equal([$"1 {First.Length}", $"2 {SecondSize}"], await pop.MultilineAsync("LIST"));
        Assert.Equal($"+OK 2 {SecondSize}", await pop.OkAsync("LIST 2"));
        var inbox = (await host.Get<MailStore>().MailboxesAsync((await host.Get<Appliance.Accounts.UserRepository>().FindAsync("bob@example.com"))!.Id)).Single(m => m.Name == "INBOX");
        var uids = await Pop3Mail.UidsAsync(host, "bob@example.com");
        Assert.Equal([$"1 {inbox.Uidvalidity}.{uids[0]}", $"2 {inbox.Uidvalidity}.{uids[1]}"], await pop.MultilineAsync("UIDL"));
        Assert.Equal($"+OK 1 {inbox.Uidvalidity}.{uids[0]}", await pop.OkAsync("UIDL 1"));
        Assert.Equal("-ERR No such message", await pop.ErrAsync("LIST 3"));
        Assert.Equal("-ERR No such message", await pop.ErrAsync("UIDL 0"));
        Assert.Equal("-ERR Invalid message number", await pop.ErrAsync("LIST x"));
        Assert.Equal("-ERR Syntax error", await pop.ErrAsync("LIST 1 2"));
        Assert.Equal("-ERR Syntax error", await pop.ErrAsync("STAT 1"));
    }

    [Fact]
    public async Task RETR_sends_CRLF_lines_dot_stuffed_and_the_size_it_announced()
    {
        await using var host = await StartAsync();
        await using var pop = await SignInAsync(host);
        Assert.Equal($"+OK {First.Length} octets", await pop.OkAsync("RETR 1"));
        Assert.Equal(First + ".\r\n", Encoding.UTF8.GetString(await pop.ReadRawBodyAsync()));
        Assert.Equal($"+OK {SecondSize} octets", await pop.OkAsync("RETR 2"));
        Assert.Equal(SecondAsSent + ".\r\n", Encoding.UTF8.GetString(await pop.ReadRawBodyAsync()));
        Assert.Equal("-ERR Syntax error", await pop.ErrAsync("RETR"));
        Assert.Equal("-ERR No such message", await pop.ErrAsync("RETR 9"));
        Assert.Equal("-ERR Invalid message number", await pop.ErrAsync("RETR -1"));
    }

    [Fact]
    public async Task TOP_sends_the_header_and_n_body_lines()
    {
        await using var host = await StartAsync();
        await using var pop = await SignInAsync(host);
        await pop.OkAsync("TOP 1 0");
        Assert.Equal("From: a@elsewhere.example\r\nSubject: one\r\n\r\n.\r\n", Encoding.UTF8.GetString(await pop.ReadRawBodyAsync()));
        await pop.OkAsync("TOP 2 1");
        Assert.Equal("Subject: two\r\n\r\n..dot\r\n.\r\n", Encoding.UTF8.GetString(await pop.ReadRawBodyAsync()));
        await pop.OkAsync("TOP 2 99");
        Assert.Equal(SecondAsSent + ".\r\n", Encoding.UTF8.GetString(await pop.ReadRawBodyAsync()));
        Assert.Equal("-ERR Syntax error", await pop.ErrAsync("TOP 1"));
        Assert.Equal("-ERR Invalid number of lines", await pop.ErrAsync("TOP 1 x"));
        Assert.Equal("-ERR No such message", await pop.ErrAsync("TOP 3 0"));
    }

    [Fact]
    public async Task DELE_marks_RSET_unmarks_and_a_marked_message_is_refused()
    {
        await using var host = await StartAsync();
        await using var pop = await SignInAsync(host);
        Assert.Equal("+OK Message 1 deleted", await pop.OkAsync("DELE 1"));
        Assert.Equal("-ERR Message 1 already deleted", await pop.ErrAsync("DELE 1"));
        Assert.Equal("-ERR Message 1 already deleted", await pop.ErrAsync("RETR 1"));
        Assert.Equal("-ERR Message 1 already deleted", await pop.ErrAsync("TOP 1 0"));
        Assert.Equal("-ERR Message 1 already deleted", await pop.ErrAsync("LIST 1"));
        Assert.Equal("-ERR Message 1 already deleted", await pop.ErrAsync("UIDL 1"));
        Assert.Equal($"+OK 1 {SecondSize}", await pop.OkAsync("STAT"));
        Assert.Equal([$"2 {SecondSize}"], await pop.MultilineAsync("LIST"));
        Assert.Single(await pop.MultilineAsync("UIDL"));
        Assert.Equal("+OK", await pop.OkAsync("NOOP"));
        Assert.Equal($"+OK 2 messages ({First.Length + SecondSize} octets)", await pop.OkAsync("RSET"));
        await pop.OkAsync("RETR 1");
        await pop.ReadBodyAsync();
        Assert.Equal("-ERR Syntax error", await pop.ErrAsync("DELE"));
        Assert.Equal("-ERR Syntax error", await pop.ErrAsync("RSET 1"));
        Assert.Equal("-ERR Syntax error", await pop.ErrAsync("NOOP 1"));
        await pop.OkAsync("QUIT");
        Assert.Equal(2, (await Pop3Mail.UidsAsync(host, "bob@example.com")).Count);
    }

    [Fact]
    public async Task QUIT_removes_the_marked_messages_and_tells_open_IMAP_sessions()
    {
        await using var host = await StartAsync();
        var uids = await Pop3Mail.UidsAsync(host, "bob@example.com");
        var hash = (await host.Get<MailStore>().MessagesAsync("bob@example.com"))[0].BlobHash;
        var inbox = (await host.Get<MailStore>().MessagesAsync("bob@example.com"))[0].MailboxId;
        var nudged = 0;
        using var subscription = host.Get<MailboxEvents>().Subscribe(inbox, () => Interlocked.Increment(ref nudged));
        var modseq = (await host.Get<MailStore>().MailboxStateAsync(inbox))!.Highestmodseq;
        await using var pop = await SignInAsync(host);
        await pop.OkAsync("DELE 1");
        Assert.Equal("+OK mail.example.com POP3 Appliance signing off (1 messages left)", await pop.OkAsync("QUIT"));
        // CONDSTORE clients see the change as they would an IMAP expunge.
        Assert.True((await host.Get<MailStore>().MailboxStateAsync(inbox))!.Highestmodseq > modseq);
        Assert.True(await pop.IsClosedAsync());
        Assert.Equal([uids[1]], await Pop3Mail.UidsAsync(host, "bob@example.com"));
        Assert.Equal(1, nudged);
        Assert.Equal(0, await host.Get<Appliance.Storage.BlobStore>().ReferenceCountAsync(hash));
    }

    [Fact]
    public async Task Vanished_client_deletes_nothing()
    {
        await using var host = await StartAsync();
        var pop = await SignInAsync(host);
        await pop.OkAsync("DELE 1");
        await pop.OkAsync("DELE 2");
        pop.Abort();
        await pop.DisposeAsync();
        await AssertStillServesAsync(host);
        Assert.Equal(2, (await Pop3Mail.UidsAsync(host, "bob@example.com")).Count);
    }

    [Fact]
    public async Task Commands_in_the_wrong_state_are_ERR()
    {
        await using var host = await StartAsync();
        await using var pop = await Pop3Transcript.ConnectAsync(host.Pop3Port);
        foreach (var command in new[] { "STAT", "LIST", "UIDL", "RETR 1", "TOP 1 1", "DELE 1", "RSET", "NOOP" })
        {
            Assert.Equal("-ERR Not signed in yet", await pop.ErrAsync(command));
        }
        await pop.OkAsync("QUIT");
        await using var signedIn = await SignInAsync(host);
        foreach (var command in new[] { "USER bob@example.com", $"PASS {Password}", "AUTH PLAIN", "STLS" })
        {
            Assert.Equal("-ERR Already signed in", await signedIn.ErrAsync(command));
        }
    }

    [Fact]
    public async Task Pipelined_commands_are_answered_in_order()
    {
        await using var host = await StartAsync();
        await using var pop = await Pop3Transcript.ConnectAsync(host.Pop3sPort, implicitTls: true);
        await pop.SendAsync($"USER bob@example.com\r\nPASS {Password}\r\nSTAT\r\nLIST\r\nRETR 2\r\nDELE 1\r\nQUIT\r\n");
        await pop.OkAsync(null);
        await pop.OkAsync(null);
        Assert.Equal($"+OK 2 {First.Length + SecondSize}", await pop.OkAsync(null));
        await pop.OkAsync(null);
        Assert.Equal(2, (await pop.ReadBodyAsync()).Count);
        await pop.OkAsync(null);
        Assert.Equal(SecondAsSent + ".\r\n", Encoding.UTF8.GetString(await pop.ReadRawBodyAsync()));
        await pop.OkAsync(null);
        await pop.OkAsync(null);
        Assert.True(await pop.IsClosedAsync());
        Assert.Single(await Pop3Mail.UidsAsync(host, "bob@example.com"));
    }

    // ----- Bad input -----

    [Fact]
    public async Task Unknown_commands_and_garbage_are_ERR_and_the_session_goes_on()
    {
        await using var host = await StartAsync();
        await using var pop = await Pop3Transcript.ConnectAsync(host.Pop3Port);
        Assert.Equal("-ERR Unknown command", await pop.ErrAsync("APOP bob 0123456789abcdef0123456789abcdef"));
        Assert.Equal("-ERR Unknown command", await pop.ErrAsync("HELLO"));
        Assert.Equal("-ERR Unknown command", await pop.ErrAsync(""));
        await pop.SendAsync([0x00, 0xFF, 0xFE, 0x80, (byte)' ', 0x01, (byte)'\r', (byte)'\n']);
        Assert.Equal("-ERR Unknown command", await pop.ErrAsync(null));
        await pop.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        await pop.ErrAsync(null);
        await pop.ErrAsync(null);
        await pop.ErrAsync(null);
        await pop.MultilineAsync("CAPA");
        await AssertStillServesAsync(host);
    }

    [Fact]
    public async Task Overlong_line_is_ERR_and_the_session_goes_on()
    {
        await using var host = await StartAsync();
        await using var pop = await SignInAsync(host);
        // At the limit: accepted (as a command, which is then refused for what it says).
        Assert.Equal("-ERR Invalid message number", await pop.ErrAsync("LIST " + new string('1', 250)));
        Assert.Equal("-ERR Line too long", await pop.ErrAsync("LIST " + new string('1', 251)));
        // Streamed with no line end for a long time: dropped as it comes, one reply at its end.
        var chunk = Encoding.ASCII.GetBytes(new string('x', 16 * 1024));
        for (var i = 0; i < 64; i++)
        {
            await pop.SendAsync(chunk);
        }
        Assert.Equal("-ERR Line too long", await pop.ErrAsync("\r\nSTAT"));
        Assert.StartsWith("+OK 2 ", await pop.OkAsync(null), StringComparison.Ordinal);
        await AssertStillServesAsync(host);
    }

    [Fact]
    public async Task Overlong_SASL_response_ends_the_exchange()
    {
        await using var host = await StartAsync();
        await using var pop = await Pop3Transcript.ConnectAsync(host.Pop3sPort, implicitTls: true);
        await pop.SendAsync("AUTH PLAIN\r\n");
        Assert.Equal("+ ", await pop.ReadStatusAsync());
        Assert.Equal("-ERR Line too long", await pop.ErrAsync(new string('A', 4000)));
        await pop.MultilineAsync("CAPA");
    }

    [Fact]
    public async Task Too_many_errors_close_the_session()
    {
        await using var host = await StartAsync();
        await using var pop = await Pop3Transcript.ConnectAsync(host.Pop3Port);
        for (var i = 0; i < 9; i++)
        {
            Assert.Equal("-ERR Unknown command", await pop.ErrAsync("XYZZY"));
        }
        await pop.SendAsync("XYZZY\r\n");
        Assert.Equal("-ERR Unknown command", await pop.ErrAsync(null));
        Assert.Equal("-ERR Too many errors, closing", await pop.ErrAsync(null));
        Assert.True(await pop.IsClosedAsync());
        await AssertStillServesAsync(host);
    }

    [Fact]
    public async Task Idle_client_is_logged_out_without_a_reply_and_nothing_is_deleted()
    {
        await using var host = await StartAsync("--Appliance:Pop3:IdleTimeoutSeconds=1");
        await using var pop = await SignInAsync(host);
        await pop.OkAsync("DELE 1");
        // RFC 1939 §3: autologout sends nothing and does not enter UPDATE.
        Assert.True(await pop.IsClosedAsync());
        Assert.Equal(2, (await Pop3Mail.UidsAsync(host, "bob@example.com")).Count);
        Assert.False(host.Get<Pop3Locks>().IsHeld((await host.Get<Appliance.Accounts.UserRepository>().FindAsync("bob@example.com"))!.Id));
    }
}
