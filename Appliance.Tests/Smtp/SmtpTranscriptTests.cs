using System.Text;
using Appliance.Accounts;
using Appliance.Mailstore;
using Appliance.Storage;
using Appliance.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Appliance.Tests.Smtp;

/// <summary>
/// Every command and every reply the SMTP listeners give, byte by byte over a raw socket against the
/// real host; then the bad input (overlong lines, bare LF, pipelining abuse, garbage, vanishing clients,
/// idle clients), each followed by proof that the server still serves a fresh connection.
/// </summary>
public sealed class SmtpTranscriptTests
{
    private const string Password = "Str0ng-Passw0rd";

    /// <summary>Small limits, so that each can be reached cheaply; each is the smallest the options allow.</summary>
    private static readonly string[] Limits =
    [
        "--Appliance:Smtp:MaxCommandLength=512",
        "--Appliance:Smtp:MaxMessageSize=65536",
        "--Appliance:Smtp:MaxRecipients=3",
        "--Appliance:Smtp:MaxHops=10",
        "--Appliance:Smtp:MaxErrors=10",
        "--Appliance:Smtp:MaxAuthFailures=3",
    ];

    private static async Task<RunningHost> StartAsync(params string[] args)
    {
        var host = await RunningHost.StartWithSmtpAsync([.. Limits, .. args]);
        var users = host.Get<UserService>();
        await users.AddAsync(Actor.CommandLine, new NewUser("bob@example.com", Password, "Bob"));
        await users.AddAsync(Actor.CommandLine, new NewUser("carol@example.com", Password, "Carol"));
        return host;
    }

    private static async Task<List<string>> InboxAsync(RunningHost host, string address)
    {
        var result = new List<string>();
        foreach (var message in await host.Get<MailStore>().MessagesAsync(address))
        {
            await using var stream = host.Get<BlobStore>().OpenRead(message.BlobHash)!;
            var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            result.Add(Encoding.UTF8.GetString(copy.ToArray()));
        }
        return result;
    }

    private static string Plain(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    /// <summary>A whole transaction on an open session that has said EHLO; returns the final reply.</summary>
    private static async Task<WireReply> SendMessageAsync(SmtpTranscript smtp, string from, string to, string data)
    {
        await smtp.CommandAsync($"MAIL FROM:<{from}>", 250, "2.0.0");
        await smtp.CommandAsync($"RCPT TO:<{to}>", 250, "2.0.0");
        await smtp.CommandAsync("DATA", 354);
        await smtp.SendAsync(data + "\r\n.\r\n");
        return await smtp.ReadReplyAsync();
    }

    /// <summary>After bad input: a new client is greeted, and its message is delivered.</summary>
    private static async Task AssertStillServesAsync(RunningHost host)
    {
        var before = (await InboxAsync(host, "carol@example.com")).Count;
        await using (var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort))
        {
            await smtp.CommandAsync("EHLO fresh.example", 250);
            var reply = await SendMessageAsync(smtp, "fresh@elsewhere.example", "carol@example.com", "Subject: still serving\r\n\r\nhello");
            Assert.True(reply is { Code: 250, Enhanced: "2.0.0" }, reply.ToString());
            await smtp.CommandAsync("QUIT", 221, "2.0.0");
        }
        var inbox = await InboxAsync(host, "carol@example.com");
        Assert.Equal(before + 1, inbox.Count);
        Assert.Contains("Subject: still serving", inbox[^1], StringComparison.Ordinal);
    }

    // ----- Greeting, EHLO/HELO, QUIT -----

    [Fact]
    public async Task Greeting_is_220_and_QUIT_is_221_then_the_server_closes()
    {
        await using var host = await StartAsync();
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort, readGreeting: false);
        var greeting = await smtp.ExpectAsync(220);
        Assert.Equal("mail.example.com ESMTP Appliance", greeting.Text);
        await smtp.CommandAsync("QUIT", 221, "2.0.0");
        Assert.True(await smtp.IsClosedAsync());
    }

    [Fact]
    public async Task EHLO_lists_every_extension_and_HELO_answers_250()
    {
        await using var host = await StartAsync();
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort);
        var ehlo = await smtp.CommandAsync("EHLO client.example", 250);
        Assert.Equal(["mail.example.com", "PIPELINING", "SIZE 65536", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES", "CHUNKING", "STARTTLS"], ehlo.Lines);
        var helo = await smtp.CommandAsync("HELO client.example", 250);
        Assert.Equal(["mail.example.com"], helo.Lines);
        // Lower case verbs are the same commands (RFC 5321 §2.4).
        await smtp.CommandAsync("ehlo client.example", 250);
        await smtp.CommandAsync("QUIT", 221, "2.0.0");
    }

    [Fact]
    public async Task EHLO_and_HELO_without_a_hostname_are_501_5_5_4()
    {
        await using var host = await StartAsync();
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort);
        await smtp.CommandAsync("EHLO", 501, "5.5.4");
        await smtp.CommandAsync("HELO", 501, "5.5.4");
        await smtp.CommandAsync("EHLO two words", 501, "5.5.4");
        // Still in the greeting state: MAIL needs a successful EHLO first.
        await smtp.CommandAsync("MAIL FROM:<a@elsewhere.example>", 503, "5.5.1");
        await smtp.CommandAsync("HELO client.example", 250);
        await smtp.CommandAsync("MAIL FROM:<a@elsewhere.example>", 250, "2.0.0");
    }

    // ----- NOOP, RSET, VRFY, HELP, unknown -----

    [Fact]
    public async Task NOOP_and_RSET_are_250_in_every_state_and_RSET_ends_the_transaction()
    {
        await using var host = await StartAsync();
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort);
        await smtp.CommandAsync("NOOP", 250, "2.0.0");
        await smtp.CommandAsync("RSET", 250, "2.0.0");
        await smtp.CommandAsync("EHLO client.example", 250);
        await smtp.CommandAsync("MAIL FROM:<a@elsewhere.example>", 250, "2.0.0");
        await smtp.CommandAsync("NOOP", 250, "2.0.0");
        await smtp.CommandAsync("RCPT TO:<bob@example.com>", 250, "2.0.0");
        await smtp.CommandAsync("RSET", 250, "2.0.0");
        // The transaction is gone: RCPT needs a new MAIL.
        await smtp.CommandAsync("RCPT TO:<bob@example.com>", 503, "5.5.1");
        await smtp.CommandAsync("DATA", 503, "5.5.1");
        await smtp.CommandAsync("MAIL FROM:<a@elsewhere.example>", 250, "2.0.0");
    }

    [Fact]
    public async Task VRFY_is_252_whether_or_not_the_address_exists()
    {
        await using var host = await StartAsync();
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort);
        var known = await smtp.CommandAsync("VRFY bob@example.com", 252, "2.5.2");
        var unknown = await smtp.CommandAsync("VRFY ghost@example.com", 252, "2.5.2");
        var bare = await smtp.CommandAsync("VRFY bob", 252, "2.5.2");
        // No enumeration: the answers cannot be told apart.
        Assert.Equal(known.ToString(), unknown.ToString());
        Assert.Equal(known.ToString(), bare.ToString());
    }

    [Fact]
    public async Task HELP_is_214()
    {
        await using var host = await StartAsync();
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort);
        var help = await smtp.CommandAsync("HELP", 214, "2.0.0");
        Assert.Contains("EHLO", help.Text, StringComparison.Ordinal);
        await smtp.CommandAsync("HELP MAIL", 214, "2.0.0");
    }

    [Fact]
    public async Task Unknown_command_is_500_5_5_1()
    {
        await using var host = await StartAsync();
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort);
        await smtp.CommandAsync("EXPN staff", 500, "5.5.1");
        await smtp.CommandAsync("TURN", 500, "5.5.1");
        await smtp.CommandAsync("", 500, "5.5.1");
        await smtp.CommandAsync("EHLO client.example", 250);
    }

    // ----- Sequence -----

    [Fact]
    public async Task Commands_out_of_sequence_are_503_5_5_1()
    {
        await using var host = await StartAsync("--Appliance:Smtp:MaxErrors=100");
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort);
        await smtp.CommandAsync("MAIL FROM:<a@elsewhere.example>", 503, "5.5.1");
        await smtp.CommandAsync("RCPT TO:<bob@example.com>", 503, "5.5.1");
        await smtp.CommandAsync("DATA", 503, "5.5.1");
        await smtp.CommandAsync("BDAT 0 LAST", 503, "5.5.1");
        await smtp.CommandAsync("AUTH PLAIN", 503, "5.5.1");
        await smtp.CommandAsync("EHLO client.example", 250);
        await smtp.CommandAsync("RCPT TO:<bob@example.com>", 503, "5.5.1");
        await smtp.CommandAsync("DATA", 503, "5.5.1");
        await smtp.CommandAsync("MAIL FROM:<a@elsewhere.example>", 250, "2.0.0");
        await smtp.CommandAsync("MAIL FROM:<a@elsewhere.example>", 503, "5.5.1");
        await smtp.CommandAsync("STARTTLS", 503, "5.5.1");
        await smtp.CommandAsync("AUTH PLAIN", 503, "5.5.1");
        await smtp.CommandAsync("RCPT TO:<bob@example.com>", 250, "2.0.0");
        // Between BDAT chunks only BDAT, RSET, NOOP and QUIT (RFC 3030 §2).
        await smtp.SendAsync("BDAT 3\r\nabc");
        await smtp.ExpectAsync(250, "2.0.0");
        await smtp.CommandAsync("DATA", 503, "5.5.1");
        await smtp.CommandAsync("MAIL FROM:<a@elsewhere.example>", 503, "5.5.1");
        await smtp.CommandAsync("EHLO again.example", 503, "5.5.1");
        await smtp.CommandAsync("VRFY bob@example.com", 503, "5.5.1");
        await smtp.CommandAsync("NOOP", 250, "2.0.0");
        await smtp.CommandAsync("RSET", 250, "2.0.0");
        await smtp.CommandAsync("QUIT", 221, "2.0.0");
        Assert.Empty(await InboxAsync(host, "bob@example.com"));
    }

    // ----- MAIL -----

    [Fact]
    public async Task MAIL_parameters_SIZE_BODY_SMTPUTF8_and_their_errors()
    {
        await using var host = await StartAsync();
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort);
        await smtp.CommandAsync("EHLO client.example", 250);
        await smtp.CommandAsync("MAIL FROM:alice@elsewhere.example", 501, "5.1.7");
        await smtp.CommandAsync("MAIL FROM:<alice>", 501, "5.1.7");
        await smtp.CommandAsync("MAIL TO:<alice@elsewhere.example>", 501, "5.1.7");
        await smtp.CommandAsync("MAIL FROM:<alice@elsewhere.example> SIZE=lots", 501, "5.5.4");
        await smtp.CommandAsync("MAIL FROM:<alice@elsewhere.example> BODY=BINARYMIME", 501, "5.5.4");
        await smtp.CommandAsync("MAIL FROM:<alice@elsewhere.example> RET=HDRS", 555, "5.5.4");
        // SIZE announced over the limit is refused before any data (RFC 1870 §6.1).
        await smtp.CommandAsync("MAIL FROM:<alice@elsewhere.example> SIZE=65537", 552, "5.3.4");
        await smtp.CommandAsync("MAIL FROM:<álice@elsewhere.example>", 553, "5.6.7");
        await smtp.CommandAsync("MAIL FROM:<alice@elsewhere.example> SIZE=65536 BODY=8BITMIME", 250, "2.0.0");
        await smtp.CommandAsync("RSET", 250, "2.0.0");
        await smtp.CommandAsync("MAIL FROM: <alice@elsewhere.example> BODY=7BIT AUTH=<>", 250, "2.0.0");
        await smtp.CommandAsync("RSET", 250, "2.0.0");
        // The null reverse-path of bounces.
        await smtp.CommandAsync("MAIL FROM:<>", 250, "2.0.0");
        await smtp.CommandAsync("RSET", 250, "2.0.0");
        await smtp.CommandAsync("MAIL FROM:<álice@elsewhere.example> SMTPUTF8", 250, "2.0.0");
        await smtp.CommandAsync("RCPT TO:<bob@example.com>", 250, "2.0.0");
        await smtp.CommandAsync("DATA", 354);
        await smtp.SendAsync("Subject: ünïcode\r\n\r\nbody\r\n.\r\n");
        await smtp.ExpectAsync(250, "2.0.0");
        Assert.Contains("Return-Path: <álice@elsewhere.example>", Assert.Single(await InboxAsync(host, "bob@example.com")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_UTF8_in_an_address_is_a_syntax_error_not_an_address()
    {
        await using var host = await StartAsync();
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort);
        await smtp.CommandAsync("EHLO client.example", 250);
        await smtp.SendAsync([.. "MAIL FROM:<"u8, 0xFF, 0xFE, .. "@elsewhere.example> SMTPUTF8\r\n"u8]);
        await smtp.ExpectAsync(501, "5.1.7");
        await smtp.CommandAsync("MAIL FROM:<a@elsewhere.example> SMTPUTF8", 250, "2.0.0");
        await smtp.SendAsync([.. "RCPT TO:<bob@"u8, 0xC3, .. ".example>\r\n"u8]);
        await smtp.ExpectAsync(501, "5.1.3");
    }

    // ----- RCPT -----

    [Fact]
    public async Task Rcpt_to_unknown_local_user_is_rejected_550_5_1_1()
    {
        await using var host = await StartAsync();
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort);
        await smtp.CommandAsync("EHLO client.example", 250);
        await smtp.CommandAsync("MAIL FROM:<alice@elsewhere.example>", 250, "2.0.0");
        var reply = await smtp.CommandAsync("RCPT TO:<ghost@example.com>", 550, "5.1.1");
        Assert.Contains("<ghost@example.com>", reply.Text, StringComparison.Ordinal);
        await smtp.CommandAsync("RCPT TO:<Bob@EXAMPLE.com>", 250, "2.0.0");
    }

    [Fact]
    public async Task Rcpt_to_a_disabled_user_is_550_5_2_1()
    {
        await using var host = await StartAsync();
        await host.Get<UserService>().UpdateAsync(Actor.CommandLine, "carol@example.com", new UserChanges(Disabled: true));
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort);
        await smtp.CommandAsync("EHLO client.example", 250);
        await smtp.CommandAsync("MAIL FROM:<alice@elsewhere.example>", 250, "2.0.0");
        await smtp.CommandAsync("RCPT TO:<carol@example.com>", 550, "5.2.1");
    }

    [Fact]
    public async Task Rcpt_outside_our_domains_from_an_unauthenticated_client_is_554_5_7_1()
    {
        await using var host = await StartAsync();
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort);
        await smtp.CommandAsync("EHLO client.example", 250);
        await smtp.CommandAsync("MAIL FROM:<alice@elsewhere.example>", 250, "2.0.0");
        var reply = await smtp.CommandAsync("RCPT TO:<someone@gmail.example>", 554, "5.7.1");
        Assert.Contains("Relay access denied", reply.Text, StringComparison.Ordinal);
        // A bracketed address literal is outside our domains too.
        await smtp.CommandAsync("RCPT TO:<postmaster@[127.0.0.1]>", 554, "5.7.1");
    }

    [Fact]
    public async Task RCPT_syntax_errors_are_501_5_1_3_and_parameters_555()
    {
        await using var host = await StartAsync();
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort);
        await smtp.CommandAsync("EHLO client.example", 250);
        await smtp.CommandAsync("MAIL FROM:<alice@elsewhere.example>", 250, "2.0.0");
        await smtp.CommandAsync("RCPT TO:bob@example.com", 501, "5.1.3");
        await smtp.CommandAsync("RCPT TO:<>", 501, "5.1.3");
        await smtp.CommandAsync("RCPT TO:<bob@example.com", 501, "5.1.3");
        await smtp.CommandAsync("RCPT FROM:<bob@example.com>", 501, "5.1.3");
        await smtp.CommandAsync("RCPT TO:<bob@example.com> NOTIFY=NEVER", 555, "5.5.4");
        await smtp.CommandAsync("RCPT TO:<bób@example.com>", 553, "5.6.7");
        // A source route is ignored (RFC 5321 §4.1.1.3).
        await smtp.CommandAsync("RCPT TO:<@relay.example:bob@example.com>", 250, "2.0.0");
    }

    [Fact]
    public async Task Too_many_recipients_is_452_4_5_3_and_the_others_still_get_the_message()
    {
        await using var host = await StartAsync();
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort);
        await smtp.CommandAsync("EHLO client.example", 250);
        await smtp.CommandAsync("MAIL FROM:<alice@elsewhere.example>", 250, "2.0.0");
        await smtp.CommandAsync("RCPT TO:<bob@example.com>", 250, "2.0.0");
        await smtp.CommandAsync("RCPT TO:<carol@example.com>", 250, "2.0.0");
        await smtp.CommandAsync("RCPT TO:<admin@example.com>", 250, "2.0.0");
        await smtp.CommandAsync("RCPT TO:<bob@example.com>", 452, "4.5.3");
        await smtp.CommandAsync("DATA", 354);
        await smtp.SendAsync("Subject: three\r\n\r\nhi\r\n.\r\n");
        await smtp.ExpectAsync(250, "2.0.0");
        Assert.Single(await InboxAsync(host, "bob@example.com"));
        Assert.Single(await InboxAsync(host, "carol@example.com"));
        Assert.Single(await InboxAsync(host, "admin@example.com"));
    }

    [Fact]
    public async Task Full_mailbox_gets_452_4_2_2_at_RCPT()
    {
        await using var host = await StartAsync();
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort);
        await smtp.CommandAsync("EHLO client.example", 250);
        Assert.Equal(250, (await SendMessageAsync(smtp, "alice@elsewhere.example", "carol@example.com", "Subject: fills it\r\n\r\n" + new string('x', 200))).Code);
        await host.Get<UserService>().UpdateAsync(Actor.CommandLine, "carol@example.com", new UserChanges(QuotaBytes: 100));
        await smtp.CommandAsync("MAIL FROM:<alice@elsewhere.example>", 250, "2.0.0");
        var reply = await smtp.CommandAsync("RCPT TO:<carol@example.com>", 452, "4.2.2");
        Assert.Equal("<carol@example.com>: Mailbox full", reply.Text);
    }

    // ----- DATA -----

    [Fact]
    public async Task DATA_is_354_then_250_and_the_message_is_stored_unstuffed()
    {
        await using var host = await StartAsync();
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort);
        await smtp.CommandAsync("EHLO client.example", 250);
        await smtp.CommandAsync("MAIL FROM:<alice@elsewhere.example>", 250, "2.0.0");
        await smtp.CommandAsync("RCPT TO:<bob@example.com>", 250, "2.0.0");
        var go = await smtp.CommandAsync("DATA", 354);
        Assert.Null(go.Enhanced);
        await smtp.SendAsync("Subject: dots\r\n\r\n..leading dot\r\n...\r\n. \r\nend\r\n.\r\n");
        var queued = await smtp.ExpectAsync(250, "2.0.0");
        Assert.StartsWith("Ok: queued as ", queued.Text, StringComparison.Ordinal);
        Assert.EndsWith("\r\nSubject: dots\r\n\r\n.leading dot\r\n..\r\n \r\nend\r\n", Assert.Single(await InboxAsync(host, "bob@example.com")), StringComparison.Ordinal);
        await smtp.CommandAsync("DATA now", 503, "5.5.1");
        await smtp.CommandAsync("MAIL FROM:<alice@elsewhere.example>", 250, "2.0.0");
        await smtp.CommandAsync("RCPT TO:<bob@example.com>", 250, "2.0.0");
        await smtp.CommandAsync("DATA now", 501, "5.5.4");
    }

    [Fact]
    public async Task DATA_without_a_valid_recipient_is_554_5_5_1()
    {
        await using var host = await StartAsync();
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort);
        await smtp.CommandAsync("EHLO client.example", 250);
        await smtp.CommandAsync("MAIL FROM:<alice@elsewhere.example>", 250, "2.0.0");
        await smtp.CommandAsync("RCPT TO:<ghost@example.com>", 550, "5.1.1");
        await smtp.CommandAsync("DATA", 554, "5.5.1");
        // The transaction is still open: a good recipient makes DATA possible.
        await smtp.CommandAsync("RCPT TO:<bob@example.com>", 250, "2.0.0");
        await smtp.CommandAsync("DATA", 354);
        await smtp.SendAsync("Subject: x\r\n\r\ny\r\n.\r\n");
        await smtp.ExpectAsync(250, "2.0.0");
        Assert.Single(await InboxAsync(host, "bob@example.com"));
    }

    [Fact]
    public async Task Message_over_the_size_limit_is_552_5_3_4_after_the_data_and_the_session_goes_on()
    {
        await using var host = await StartAsync();
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort);
        await smtp.CommandAsync("EHLO client.example", 250);
        var reply = await SendMessageAsync(smtp, "alice@elsewhere.example", "bob@example.com", "Subject: big\r\n\r\n" + string.Concat(Enumerable.Repeat(new string('x', 998) + "\r\n", 70)));
        Assert.True(reply is { Code: 552, Enhanced: "5.3.4" }, reply.ToString());
        Assert.Empty(await InboxAsync(host, "bob@example.com"));
        // Over the limit by BDAT as well.
        await smtp.CommandAsync("MAIL FROM:<alice@elsewhere.example>", 250, "2.0.0");
        await smtp.CommandAsync("RCPT TO:<bob@example.com>", 250, "2.0.0");
        await smtp.SendAsync("BDAT 70000 LAST\r\n" + new string('y', 70000));
        await smtp.ExpectAsync(552, "5.3.4");
        Assert.Empty(await InboxAsync(host, "bob@example.com"));
        Assert.Equal(250, (await SendMessageAsync(smtp, "alice@elsewhere.example", "bob@example.com", "Subject: small\r\n\r\ny")).Code);
    }

    [Fact]
    public async Task Message_with_too_many_Received_headers_is_554_5_4_6()
    {
        await using var host = await StartAsync();
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort);
        await smtp.CommandAsync("EHLO client.example", 250);
        var hops = string.Concat(Enumerable.Range(0, 11).Select(i => $"Received: from hop{i}.example by hop{i + 1}.example; Sat, 28 Nov 2026 05:00:00 +0000\r\n"));
        var reply = await SendMessageAsync(smtp, "alice@elsewhere.example", "bob@example.com", hops + "Subject: loop\r\n\r\nround and round");
        Assert.True(reply is { Code: 554, Enhanced: "5.4.6" }, reply.ToString());
        Assert.Empty(await InboxAsync(host, "bob@example.com"));
    }

    [Fact]
    public async Task Storage_failure_is_451_4_3_0_and_the_client_may_try_again()
    {
        await using var host = await StartAsync();
        var temp = Path.Combine(host.Get<IOptions<StorageOptions>>().Value.BlobDirectory, "tmp");
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort);
        await smtp.CommandAsync("EHLO client.example", 250);
        // The blob store's temporary folder replaced by a file: writing the message fails with an IOException.
        Directory.Delete(temp, recursive: true);
        await File.WriteAllTextAsync(temp, "not a folder");
        try
        {
            var reply = await SendMessageAsync(smtp, "alice@elsewhere.example", "bob@example.com", "Subject: try later\r\n\r\nx");
            Assert.True(reply is { Code: 451, Enhanced: "4.3.0" }, reply.ToString());
        }
        finally
        {
            File.Delete(temp);
            Directory.CreateDirectory(temp);
        }
        Assert.Empty(await InboxAsync(host, "bob@example.com"));
        var again = await SendMessageAsync(smtp, "alice@elsewhere.example", "bob@example.com", "Subject: try later\r\n\r\nx");
        Assert.Equal(250, again.Code);
        Assert.Single(await InboxAsync(host, "bob@example.com"));
    }

    // ----- BDAT (CHUNKING) -----

    [Fact]
    public async Task BDAT_chunks_are_250_each_and_LAST_delivers_them_byte_exact()
    {
        await using var host = await StartAsync();
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort);
        await smtp.CommandAsync("EHLO client.example", 250);
        await smtp.CommandAsync("MAIL FROM:<alice@elsewhere.example> BODY=8BITMIME", 250, "2.0.0");
        await smtp.CommandAsync("RCPT TO:<bob@example.com>", 250, "2.0.0");
        // No dot-stuffing in BDAT: ".\r\n" is data (RFC 3030 §2).
        const string first = "Subject: chunks\r\n\r\n.\r\n";
        const string second = "..second\r\nno newline at the end";
        await smtp.SendAsync($"BDAT {first.Length}\r\n{first}");
        var reply = await smtp.ExpectAsync(250, "2.0.0");
        Assert.Equal($"{first.Length} octets received", reply.Text);
        await smtp.SendAsync($"BDAT {second.Length}\r\n{second}");
        await smtp.ExpectAsync(250, "2.0.0");
        await smtp.CommandAsync("BDAT 0 LAST", 250, "2.0.0");
        Assert.EndsWith("\r\n" + first + second, Assert.Single(await InboxAsync(host, "bob@example.com")), StringComparison.Ordinal);
        // Pipelined: command and chunk in one write, with LAST on the only chunk.
        await smtp.SendAsync("MAIL FROM:<alice@elsewhere.example>\r\nRCPT TO:<carol@example.com>\r\nBDAT 17 LAST\r\nSubject: one\r\n\r\nx");
        await smtp.ExpectAsync(250, "2.0.0");
        await smtp.ExpectAsync(250, "2.0.0");
        var queued = await smtp.ExpectAsync(250, "2.0.0");
        Assert.StartsWith("Ok: queued as ", queued.Text, StringComparison.Ordinal);
        Assert.EndsWith("\r\nSubject: one\r\n\r\nx", Assert.Single(await InboxAsync(host, "carol@example.com")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BDAT_without_a_valid_recipient_reads_the_chunk_then_says_554_5_5_1()
    {
        await using var host = await StartAsync();
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort);
        await smtp.CommandAsync("EHLO client.example", 250);
        await smtp.CommandAsync("MAIL FROM:<alice@elsewhere.example>", 250, "2.0.0");
        await smtp.CommandAsync("RCPT TO:<ghost@example.com>", 550, "5.1.1");
        // The chunk looks like commands; it must be skipped as data, not run.
        await smtp.SendAsync("BDAT 12 LAST\r\nQUIT\r\nQUIT\r\n");
        await smtp.ExpectAsync(554, "5.5.1");
        await smtp.CommandAsync("NOOP", 250, "2.0.0");
        await smtp.CommandAsync("RSET", 250, "2.0.0");
        Assert.Equal(250, (await SendMessageAsync(smtp, "alice@elsewhere.example", "bob@example.com", "Subject: x\r\n\r\ny")).Code);
    }

    [Fact]
    public async Task BDAT_without_a_size_is_501_then_421_because_framing_is_lost()
    {
        await using var host = await StartAsync();
        await using (var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort))
        {
            await smtp.CommandAsync("EHLO client.example", 250);
            await smtp.CommandAsync("MAIL FROM:<alice@elsewhere.example>", 250, "2.0.0");
            await smtp.CommandAsync("RCPT TO:<bob@example.com>", 250, "2.0.0");
            await smtp.CommandAsync("BDAT lots", 501, "5.5.4");
            await smtp.ExpectAsync(421, "4.5.0");
            Assert.True(await smtp.IsClosedAsync());
        }
        await using (var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort))
        {
            await smtp.CommandAsync("EHLO client.example", 250);
            await smtp.CommandAsync("MAIL FROM:<alice@elsewhere.example>", 250, "2.0.0");
            await smtp.CommandAsync("RCPT TO:<bob@example.com>", 250, "2.0.0");
            await smtp.CommandAsync("BDAT 5 LAST NOW", 501, "5.5.4");
            await smtp.ExpectAsync(421, "4.5.0");
        }
        Assert.Empty(await InboxAsync(host, "bob@example.com"));
        await AssertStillServesAsync(host);
    }

    // ----- STARTTLS -----

    [Fact]
    public async Task STARTTLS_is_220_then_the_session_starts_over_under_TLS()
    {
        await using var host = await StartAsync();
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort);
        await smtp.CommandAsync("STARTTLS now", 501, "5.5.4");
        await smtp.CommandAsync("EHLO client.example", 250);
        await smtp.StartTlsAsync();
        // RFC 3207 §4.2: nothing from before TLS is kept, so MAIL needs a new EHLO.
        await smtp.CommandAsync("MAIL FROM:<alice@elsewhere.example>", 503, "5.5.1");
        var ehlo = await smtp.CommandAsync("EHLO client.example", 250);
        Assert.DoesNotContain("STARTTLS", ehlo.Lines);
        Assert.DoesNotContain(ehlo.Lines, l => l.StartsWith("AUTH", StringComparison.Ordinal));
        await smtp.CommandAsync("STARTTLS", 503, "5.5.1");
        var reply = await SendMessageAsync(smtp, "alice@elsewhere.example", "bob@example.com", "Subject: tls\r\n\r\nsecret");
        Assert.Equal(250, reply.Code);
        Assert.Contains("with ESMTPS id", Assert.Single(await InboxAsync(host, "bob@example.com")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Commands_pipelined_after_STARTTLS_are_discarded_not_run_under_TLS()
    {
        await using var host = await StartAsync();
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort);
        await smtp.CommandAsync("EHLO client.example", 250);
        // CVE-2011-0411: plaintext injected after STARTTLS must not be taken as said under TLS.
        await smtp.SendAsync("STARTTLS\r\nMAIL FROM:<mallory@elsewhere.example>\r\n");
        await smtp.ExpectAsync(220, "2.0.0");
        await smtp.StartTlsHandshakeOnlyAsync();
        await smtp.CommandAsync("EHLO client.example", 250);
        await smtp.CommandAsync("RCPT TO:<bob@example.com>", 503, "5.5.1");
        await smtp.CommandAsync("NOOP", 250, "2.0.0");
    }

    // ----- Submission: AUTH -----

    [Fact]
    public async Task Submission_without_TLS_offers_no_AUTH_refuses_it_538_and_MAIL_530()
    {
        await using var host = await StartAsync();
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SubmissionPort);
        var ehlo = await smtp.CommandAsync("EHLO client.example", 250);
        Assert.Contains("STARTTLS", ehlo.Lines);
        Assert.DoesNotContain(ehlo.Lines, l => l.StartsWith("AUTH", StringComparison.Ordinal));
        await smtp.CommandAsync($"AUTH PLAIN {Plain("bob@example.com", Password)}", 538, "5.7.11");
        await smtp.CommandAsync("MAIL FROM:<bob@example.com>", 530, "5.7.0");
    }

    [Fact]
    public async Task AUTH_on_the_inbound_port_is_503_5_5_1()
    {
        await using var host = await StartAsync();
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort);
        await smtp.CommandAsync("EHLO client.example", 250);
        await smtp.StartTlsAsync();
        await smtp.CommandAsync("EHLO client.example", 250);
        await smtp.CommandAsync($"AUTH PLAIN {Plain("bob@example.com", Password)}", 503, "5.5.1");
    }

    [Fact]
    public async Task AUTH_PLAIN_after_STARTTLS_is_235_then_relay_is_allowed_and_spoofing_is_553_5_7_1()
    {
        await using var host = await StartAsync();
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SubmissionPort);
        await smtp.CommandAsync("EHLO client.example", 250);
        await smtp.StartTlsAsync();
        var ehlo = await smtp.CommandAsync("EHLO client.example", 250);
        Assert.Contains("AUTH PLAIN LOGIN SCRAM-SHA-256", ehlo.Lines);
        await smtp.CommandAsync("MAIL FROM:<bob@example.com>", 530, "5.7.0");
        await smtp.CommandAsync("AUTH CRAM-MD5", 504, "5.5.4");
        await smtp.CommandAsync($"AUTH PLAIN {Plain("bob@example.com", "wrong password")}", 535, "5.7.8");
        await smtp.CommandAsync($"AUTH PLAIN {Plain("bob@example.com", Password)}", 235, "2.7.0");
        ehlo = await smtp.CommandAsync("EHLO client.example", 250);
        Assert.DoesNotContain(ehlo.Lines, l => l.StartsWith("AUTH", StringComparison.Ordinal));
        await smtp.CommandAsync($"AUTH PLAIN {Plain("bob@example.com", Password)}", 503, "5.5.1");
        await smtp.CommandAsync("MAIL FROM:<carol@example.com>", 553, "5.7.1");
        await smtp.CommandAsync("MAIL FROM:<>", 553, "5.7.1");
        await smtp.CommandAsync("MAIL FROM:<bob@example.com>", 250, "2.0.0");
        // Authenticated: an address elsewhere is accepted for relay.
        await smtp.CommandAsync("RCPT TO:<someone@elsewhere.example>", 250, "2.0.0");
        await smtp.CommandAsync("RSET", 250, "2.0.0");
        var reply = await SendMessageAsync(smtp, "bob@example.com", "carol@example.com", "Subject: submitted\r\n\r\nhi");
        Assert.Equal(250, reply.Code);
        Assert.Contains("with ESMTPSA id", Assert.Single(await InboxAsync(host, "carol@example.com")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AUTH_exchanges_334_for_PLAIN_and_LOGIN_cancel_and_bad_base64()
    {
        await using var host = await StartAsync();
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SubmissionPort);
        await smtp.CommandAsync("EHLO client.example", 250);
        await smtp.StartTlsAsync();
        await smtp.CommandAsync("EHLO client.example", 250);
        var challenge = await smtp.CommandAsync("AUTH PLAIN", 334);
        Assert.Equal([""], challenge.Lines);
        await smtp.CommandAsync("*", 501, "5.7.0");
        await smtp.CommandAsync("AUTH PLAIN !!!not-base64!!!", 501, "5.5.2");
        await smtp.CommandAsync("AUTH LOGIN", 334);
        await smtp.CommandAsync("%%%", 501, "5.5.2");
        var user = await smtp.CommandAsync("AUTH LOGIN", 334);
        Assert.Equal("Username:", Encoding.UTF8.GetString(Convert.FromBase64String(user.Text)));
        var password = await smtp.CommandAsync(Base64("bob@example.com"), 334);
        Assert.Equal("Password:", Encoding.UTF8.GetString(Convert.FromBase64String(password.Text)));
        await smtp.CommandAsync(Base64(Password), 235, "2.7.0");
        await smtp.CommandAsync("MAIL FROM:<bob@example.com>", 250, "2.0.0");
    }

    [Fact]
    public async Task AUTH_LOGIN_with_an_initial_response_and_wrong_password_is_535_5_7_8()
    {
        await using var host = await StartAsync();
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SubmissionPort);
        await smtp.CommandAsync("EHLO client.example", 250);
        await smtp.StartTlsAsync();
        await smtp.CommandAsync("EHLO client.example", 250);
        await smtp.CommandAsync($"AUTH LOGIN {Base64("bob@example.com")}", 334);
        await smtp.CommandAsync(Base64("not the password"), 535, "5.7.8");
        await smtp.CommandAsync("MAIL FROM:<bob@example.com>", 530, "5.7.0");
    }

    [Fact]
    public async Task Too_many_failed_AUTH_attempts_end_the_session_with_421()
    {
        await using var host = await StartAsync();
        await using (var smtp = await SmtpTranscript.ConnectAsync(host.SubmissionPort))
        {
            await smtp.CommandAsync("EHLO client.example", 250);
            await smtp.StartTlsAsync();
            await smtp.CommandAsync("EHLO client.example", 250);
            await smtp.CommandAsync($"AUTH PLAIN {Plain("bob@example.com", "guess 1")}", 535, "5.7.8");
            await smtp.CommandAsync($"AUTH PLAIN {Plain("bob@example.com", "guess 2")}", 535, "5.7.8");
            await smtp.CommandAsync($"AUTH PLAIN {Plain("bob@example.com", "guess 3")}", 535, "5.7.8");
            await smtp.ExpectAsync(421, "4.7.0");
            Assert.True(await smtp.IsClosedAsync());
        }
        await using (var smtp = await SmtpTranscript.ConnectAsync(host.SmtpsPort, implicitTls: true))
        {
            await smtp.CommandAsync("EHLO client.example", 250);
            await smtp.CommandAsync($"AUTH PLAIN {Plain("bob@example.com", Password)}", 235, "2.7.0");
        }
    }

    [Fact]
    public async Task Implicit_TLS_port_offers_AUTH_at_once_and_no_STARTTLS()
    {
        await using var host = await StartAsync();
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SmtpsPort, implicitTls: true);
        var ehlo = await smtp.CommandAsync("EHLO client.example", 250);
        Assert.Contains("AUTH PLAIN LOGIN SCRAM-SHA-256", ehlo.Lines);
        Assert.DoesNotContain("STARTTLS", ehlo.Lines);
        await smtp.CommandAsync("STARTTLS", 503, "5.5.1");
        await smtp.CommandAsync($"AUTH PLAIN {Plain("bob@example.com", Password)}", 235, "2.7.0");
        var reply = await SendMessageAsync(smtp, "bob@example.com", "carol@example.com", "Subject: 465\r\n\r\nimplicit");
        Assert.Equal(250, reply.Code);
        await smtp.CommandAsync("QUIT", 221, "2.0.0");
    }

    [Fact]
    public async Task AllowPlaintextAuth_offers_AUTH_without_TLS()
    {
        await using var host = await StartAsync("--Appliance:Security:AllowPlaintextAuth=true");
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SubmissionPort);
        var ehlo = await smtp.CommandAsync("EHLO client.example", 250);
        Assert.Contains("AUTH PLAIN LOGIN SCRAM-SHA-256", ehlo.Lines);
        await smtp.CommandAsync($"AUTH PLAIN {Plain("bob@example.com", Password)}", 235, "2.7.0");
        await smtp.CommandAsync("MAIL FROM:<bob@example.com>", 250, "2.0.0");
    }

    // ----- Limits: errors and timeouts -----

    [Fact]
    public async Task Too_many_errors_end_the_session_with_421_4_7_0()
    {
        await using var host = await StartAsync();
        await using (var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort))
        {
            for (var i = 0; i < 9; i++)
            {
                await smtp.CommandAsync("BOGUS", 500, "5.5.1");
            }
            await smtp.CommandAsync("MAIL FROM:<a@elsewhere.example>", 503, "5.5.1");
            var bye = await smtp.ExpectAsync(421, "4.7.0");
            Assert.Contains("too many errors", bye.Text, StringComparison.Ordinal);
            Assert.True(await smtp.IsClosedAsync());
        }
        await AssertStillServesAsync(host);
    }

    [Fact]
    public async Task Nothing_is_answered_after_the_421_that_ends_a_pipelined_batch()
    {
        await using var host = await StartAsync();
        await using (var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort))
        {
            // Ten errors, then more in the same write: an overlong line and commands.
            await smtp.SendAsync(string.Concat(Enumerable.Repeat("BOGUS\r\n", 10)) + new string('x', 600) + "\r\nNOOP\r\nHELP\r\n");
            var replies = await smtp.ReadUntilClosedAsync();
            Assert.Equal(11, replies.Count);
            Assert.All(replies.Take(10), r => Assert.Equal((500, "5.5.1"), (r.Code, r.Enhanced)));
            Assert.Equal((421, "4.7.0"), (replies[^1].Code, replies[^1].Enhanced));
        }
        await AssertStillServesAsync(host);
    }

    [Fact]
    public async Task Idle_client_is_closed_with_421_4_4_2_after_the_command_timeout()
    {
        await using var host = await StartAsync("--Appliance:Smtp:CommandTimeoutSeconds=2", "--Appliance:Smtp:DataTimeoutSeconds=1");
        await using (var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort))
        {
            await smtp.CommandAsync("EHLO client.example", 250);
            var started = DateTime.UtcNow;
            var reply = await smtp.ExpectAsync(421, "4.4.2");
            Assert.Contains("timeout", reply.Text, StringComparison.Ordinal);
            Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(6));
            Assert.True(await smtp.IsClosedAsync());
        }
        await AssertStillServesAsync(host);
    }

    [Fact]
    public async Task Client_stalling_mid_DATA_is_closed_with_421_4_4_2_and_nothing_is_delivered()
    {
        await using var host = await StartAsync("--Appliance:Smtp:CommandTimeoutSeconds=2", "--Appliance:Smtp:DataTimeoutSeconds=1");
        await using (var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort))
        {
            await smtp.CommandAsync("EHLO client.example", 250);
            await smtp.CommandAsync("MAIL FROM:<alice@elsewhere.example>", 250, "2.0.0");
            await smtp.CommandAsync("RCPT TO:<bob@example.com>", 250, "2.0.0");
            await smtp.CommandAsync("DATA", 354);
            await smtp.SendAsync("Subject: stalled\r\n\r\nand then nothing");
            await smtp.ExpectAsync(421, "4.4.2");
            Assert.True(await smtp.IsClosedAsync());
        }
        await using (var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort))
        {
            await smtp.CommandAsync("EHLO client.example", 250);
            await smtp.CommandAsync("MAIL FROM:<alice@elsewhere.example>", 250, "2.0.0");
            await smtp.CommandAsync("RCPT TO:<bob@example.com>", 250, "2.0.0");
            await smtp.SendAsync("BDAT 100 LAST\r\nSubject: stalled\r\n\r\n");
            await smtp.ExpectAsync(421, "4.4.2");
        }
        Assert.Empty(await InboxAsync(host, "bob@example.com"));
        await AssertStillServesAsync(host);
    }

    // ----- Bad input -----

    [Fact]
    public async Task Overlong_command_line_is_500_5_5_2_and_the_session_stays_in_step()
    {
        await using var host = await StartAsync();
        await using (var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort))
        {
            await smtp.CommandAsync("EHLO client.example", 250);
            // 512 octets without CRLF is the limit; one more is too long.
            await smtp.CommandAsync("NOOP " + new string('x', 507), 250, "2.0.0");
            await smtp.CommandAsync("NOOP " + new string('x', 508), 500, "5.5.2");
            await smtp.CommandAsync($"MAIL FROM:<alice@elsewhere.example> {new string('x', 600)}", 500, "5.5.2");
            // It did not start a transaction.
            await smtp.CommandAsync("RCPT TO:<bob@example.com>", 503, "5.5.1");
            // A line far longer than any buffer, sent in pieces: one reply when its end comes.
            for (var i = 0; i < 20; i++)
            {
                await smtp.SendAsync(new string('y', 4000));
            }
            await smtp.SendAsync("\r\nNOOP\r\n");
            await smtp.ExpectAsync(500, "5.5.2");
            await smtp.ExpectAsync(250, "2.0.0");
            await smtp.CommandAsync("MAIL FROM:<alice@elsewhere.example>", 250, "2.0.0");
        }
        await AssertStillServesAsync(host);
    }

    [Fact]
    public async Task Each_overlong_line_gets_its_own_reply_when_the_next_is_still_arriving()
    {
        await using var host = await StartAsync();
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort);
        await smtp.CommandAsync("EHLO client.example", 250);
        // One whole overlong line, then the start of another that is over the limit too, in one write.
        await smtp.SendAsync(new string('a', 600) + "\r\n" + new string('b', 600));
        await Task.Delay(200);
        await smtp.SendAsync("\r\nNOOP\r\n");
        await smtp.ExpectAsync(500, "5.5.2");
        await smtp.ExpectAsync(500, "5.5.2");
        await smtp.ExpectAsync(250, "2.0.0");
    }

    [Fact]
    public async Task Overlong_line_during_AUTH_ends_the_exchange()
    {
        await using var host = await StartAsync("--Appliance:Security:AllowPlaintextAuth=true");
        await using var smtp = await SmtpTranscript.ConnectAsync(host.SubmissionPort);
        await smtp.CommandAsync("EHLO client.example", 250);
        await smtp.CommandAsync("AUTH PLAIN", 334);
        await smtp.CommandAsync(new string('A', 600), 500, "5.5.2");
        // The next line is a command again, not a SASL response.
        await smtp.CommandAsync("NOOP", 250, "2.0.0");
        await smtp.CommandAsync($"AUTH PLAIN {Plain("bob@example.com", Password)}", 235, "2.7.0");
    }

    [Fact]
    public async Task Bare_LF_in_DATA_is_refused_554_5_6_0_and_never_ends_the_data()
    {
        await using var host = await StartAsync();
        await using (var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort))
        {
            await smtp.CommandAsync("EHLO client.example", 250);
            await smtp.CommandAsync("MAIL FROM:<alice@elsewhere.example>", 250, "2.0.0");
            await smtp.CommandAsync("RCPT TO:<bob@example.com>", 250, "2.0.0");
            await smtp.CommandAsync("DATA", 354);
            // RFC 5321 §2.3.8 / SMTP smuggling: "\n.\n" and "\r\n.\n" are not the end of data, so the
            // "second message" is part of the first and the whole is refused for its bare line endings.
            await smtp.SendAsync("Subject: one\r\n\r\nbare\nline\n.\nMAIL FROM:<admin@example.com>\r\nRCPT TO:<carol@example.com>\r\nDATA\r\nSubject: smuggled\r\n\r\nx\r\n.\nQUIT\r\n.\r\n");
            var reply = await smtp.ExpectAsync(554, "5.6.0");
            Assert.Contains("bare", reply.Text, StringComparison.Ordinal);
            // The session goes on with a clean transaction; a bare CR is refused the same way.
            await smtp.CommandAsync("RCPT TO:<bob@example.com>", 503, "5.5.1");
            await smtp.CommandAsync("MAIL FROM:<alice@elsewhere.example>", 250, "2.0.0");
            await smtp.CommandAsync("RCPT TO:<bob@example.com>", 250, "2.0.0");
            await smtp.CommandAsync("DATA", 354);
            await smtp.SendAsync("Subject: cr\r\n\r\nbare\rcarriage return\r\n.\r\n");
            await smtp.ExpectAsync(554, "5.6.0");
            await smtp.CommandAsync("NOOP", 250, "2.0.0");
        }
        Assert.Empty(await InboxAsync(host, "bob@example.com"));
        Assert.Empty(await InboxAsync(host, "carol@example.com"));
        await AssertStillServesAsync(host);
    }

    [Fact]
    public async Task Commands_sent_before_the_greeting_are_answered_in_order_after_it()
    {
        await using var host = await StartAsync();
        await using (var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort, readGreeting: false))
        {
            await smtp.SendAsync("EHLO early.example\r\nNOOP\r\nMAIL FROM:<a@elsewhere.example>\r\nRCPT TO:<bob@example.com>\r\nRSET\r\nQUIT\r\n");
            await smtp.ExpectAsync(220);
            await smtp.ExpectAsync(250);
            await smtp.ExpectAsync(250, "2.0.0");
            await smtp.ExpectAsync(250, "2.0.0");
            await smtp.ExpectAsync(250, "2.0.0");
            await smtp.ExpectAsync(250, "2.0.0");
            await smtp.ExpectAsync(221, "2.0.0");
            Assert.True(await smtp.IsClosedAsync());
        }
        await AssertStillServesAsync(host);
    }

    [Fact]
    public async Task A_whole_pipelined_session_in_one_write_gets_every_reply_in_order()
    {
        await using var host = await StartAsync();
        await using (var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort))
        {
            await smtp.SendAsync(
                "EHLO client.example\r\nMAIL FROM:<a@elsewhere.example>\r\nRCPT TO:<bob@example.com>\r\nRCPT TO:<ghost@example.com>\r\nDATA\r\n" +
                "Subject: first\r\n\r\nDATA\r\nQUIT\r\n.\r\n" +
                "MAIL FROM:<a@elsewhere.example>\r\nRCPT TO:<carol@example.com>\r\nDATA\r\nSubject: second\r\n\r\n2\r\n.\r\nQUIT\r\n");
            int[] codes = [250, 250, 250, 550, 354, 250, 250, 250, 354, 250, 221];
            foreach (var code in codes)
            {
                await smtp.ExpectAsync(code);
            }
            Assert.True(await smtp.IsClosedAsync());
        }
        Assert.EndsWith("Subject: first\r\n\r\nDATA\r\nQUIT\r\n", Assert.Single(await InboxAsync(host, "bob@example.com")), StringComparison.Ordinal);
        Assert.EndsWith("Subject: second\r\n\r\n2\r\n", Assert.Single(await InboxAsync(host, "carol@example.com")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_huge_pipelined_batch_is_answered_in_full_while_the_client_is_still_sending()
    {
        await using var host = await StartAsync();
        await using (var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort))
        {
            await smtp.CommandAsync("EHLO client.example", 250);
            const int count = 20_000;
            var batch = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("NOOP\r\n", count)) + "QUIT\r\n");
            var send = smtp.SendAsync(batch);
            for (var i = 0; i < count; i++)
            {
                await smtp.ExpectAsync(250, "2.0.0");
            }
            await smtp.ExpectAsync(221, "2.0.0");
            await send;
            Assert.True(await smtp.IsClosedAsync());
        }
        await AssertStillServesAsync(host);
    }

    [Fact]
    public async Task Message_body_pipelined_after_a_refused_DATA_is_read_as_commands_and_refused()
    {
        await using var host = await StartAsync();
        await using (var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort))
        {
            await smtp.CommandAsync("EHLO client.example", 250);
            // RFC 2920 §3.1: DATA ends a batch; a client that does not wait for 354 has its body taken as commands.
            await smtp.SendAsync("MAIL FROM:<a@elsewhere.example>\r\nRCPT TO:<ghost@example.com>\r\nDATA\r\nSubject: x\r\n\r\nRCPT TO:<bob@example.com>\r\n.\r\nNOOP\r\n");
            await smtp.ExpectAsync(250, "2.0.0");
            await smtp.ExpectAsync(550, "5.1.1");
            await smtp.ExpectAsync(554, "5.5.1");
            await smtp.ExpectAsync(500, "5.5.1");
            await smtp.ExpectAsync(500, "5.5.1");
            await smtp.ExpectAsync(250, "2.0.0");
            await smtp.ExpectAsync(500, "5.5.1");
            await smtp.ExpectAsync(250, "2.0.0");
        }
        Assert.Empty(await InboxAsync(host, "bob@example.com"));
        await AssertStillServesAsync(host);
    }

    [Fact]
    public async Task Garbage_bytes_get_500s_then_421_and_the_server_serves_others()
    {
        await using var host = await StartAsync();
        await using (var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort))
        {
            // About a dozen lines of binary (a LF every 256 bytes), in one write so that the server has
            // read all of it before it closes: unread input would make the close a reset.
            byte[] garbage = [.. Enumerable.Range(0, 3000).Select(i => (byte)(i * 7919 % 256)), (byte)'\r', (byte)'\n'];
            await smtp.SendAsync(garbage);
            var replies = await smtp.ReadUntilClosedAsync();
            Assert.InRange(replies.Count, 2, 11);
            Assert.All(replies.SkipLast(1), r => Assert.True(r is { Code: 500 }, r.ToString()));
            Assert.Equal((421, "4.7.0"), (replies[^1].Code, replies[^1].Enhanced));
        }
        await using (var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort))
        {
            // NUL and high bytes within an otherwise valid session.
            await smtp.CommandAsync("EHLO client.example", 250);
            await smtp.SendAsync([0, 0xFF, 0x80, (byte)'\r', (byte)'\n']);
            await smtp.ExpectAsync(500, "5.5.1");
            await smtp.SendAsync([.. "NOOP"u8, 0, .. "\r\n"u8]);
            await smtp.ExpectAsync(500, "5.5.1");
            await smtp.CommandAsync("NOOP", 250, "2.0.0");
        }
        await AssertStillServesAsync(host);
    }

    [Fact]
    public async Task Client_vanishing_mid_DATA_delivers_nothing_and_the_server_serves_others()
    {
        await using var host = await StartAsync();
        await using (var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort))
        {
            await smtp.CommandAsync("EHLO client.example", 250);
            await smtp.CommandAsync("MAIL FROM:<alice@elsewhere.example>", 250, "2.0.0");
            await smtp.CommandAsync("RCPT TO:<bob@example.com>", 250, "2.0.0");
            await smtp.CommandAsync("DATA", 354);
            // Everything but the final dot, even a CRLF.
            await smtp.SendAsync("Subject: half\r\n\r\nthe client goes away now\r\n");
            // While this session hangs in DATA, others are served.
            await AssertStillServesAsync(host);
        }
        await using (var smtp = await SmtpTranscript.ConnectAsync(host.SmtpPort))
        {
            await smtp.CommandAsync("EHLO client.example", 250);
            await smtp.CommandAsync("MAIL FROM:<alice@elsewhere.example>", 250, "2.0.0");
            await smtp.CommandAsync("RCPT TO:<bob@example.com>", 250, "2.0.0");
            await smtp.SendAsync("BDAT 1000 LAST\r\nSubject: half a chunk\r\n\r\n");
        }
        await AssertStillServesAsync(host);
        Assert.Empty(await InboxAsync(host, "bob@example.com"));
    }
}
