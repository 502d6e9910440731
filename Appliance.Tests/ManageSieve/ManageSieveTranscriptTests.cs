using System.Text;
using Appliance.Filtering.Sieve;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.ManageSieve;

/// <summary>
/// Every ManageSieve command and response code of RFC 5804 over a raw socket against the real host, then bad input
/// (malformed lines, overlong lines and literals, too many errors), each followed by proof that the server still serves.
/// </summary>
public sealed class ManageSieveTranscriptTests(ManageSieveHost fixture) : IClassFixture<ManageSieveHost>
{
    private const string Password = ManageSieveHost.Password;
    private const string Keep = "keep;\r\n";
    private const string FileInto = "require [\"fileinto\"];\r\nif header :contains \"Subject\" \"report\" {\r\n  fileinto \"Reports\";\r\n}\r\n";

    private static string Literal(string text) => ManageSieveHost.Literal(text);

    private SieveScripts Scripts => fixture.Host.Get<SieveScripts>();

    /// <summary>After bad input: a new client upgrades, signs in and is served.</summary>
    private async Task AssertStillServesAsync()
    {
        var (sieve, _) = await fixture.SignedInAsync();
        await using (sieve)
        {
            await sieve.OkAsync("LISTSCRIPTS");
            await sieve.OkAsync("LOGOUT");
            Assert.True(await sieve.IsClosedAsync());
        }
    }

    // ----- Greeting, CAPABILITY, STARTTLS -----

    [Fact]
    public async Task Greeting_lists_capabilities_with_STARTTLS_and_no_SASL_before_TLS_then_PLAIN_after()
    {
        await using var sieve = await ManageSieveTranscript.ConnectAsync(fixture.Port);
        Assert.Equal("\"IMPLEMENTATION\" \"Appliance\"", sieve.Greeting[0]);
        Assert.Contains("\"SASL\" \"\"", sieve.Greeting);
        Assert.Contains("\"STARTTLS\"", sieve.Greeting);
        Assert.Contains("\"VERSION\" \"1.0\"", sieve.Greeting);
        Assert.Contains("\"MAXREDIRECTS\" \"4\"", sieve.Greeting);
        var extensions = sieve.Greeting.Single(l => l.StartsWith("\"SIEVE\" ", StringComparison.Ordinal));
        foreach (var extension in new[] { "fileinto", "reject", "envelope", "body", "copy", "imap4flags", "variables", "vacation", "relational" })
        {
            Assert.Contains($"{extension}", extensions.Split(' ', '"'));
        }
        var afterTls = await sieve.StartTlsAsync();
        Assert.True(sieve.IsTls);
        Assert.Contains("\"SASL\" \"PLAIN\"", afterTls);
        Assert.DoesNotContain("\"STARTTLS\"", afterTls);
        var capability = await sieve.OkAsync("CAPABILITY");
        Assert.Equal(afterTls, capability.Lines);
    }

    [Fact]
    public async Task STARTTLS_twice_is_NO_and_bytes_sent_after_STARTTLS_before_the_handshake_are_dropped()
    {
        await using var sieve = await ManageSieveTranscript.ConnectAsync(fixture.Port);
        // RFC 3207 §6 style injection: a command pipelined after STARTTLS must not run inside TLS.
        await sieve.SendAsync("STARTTLS\r\nLOGOUT\r\n");
        var ok = await sieve.ReadAnswerAsync();
        Assert.True(ok.IsOk, ok.Status);
        await sieve.HandshakeAsync();
        Assert.Equal("OK (TAG \"alive\") \"Done\"", (await sieve.OkAsync("NOOP \"alive\"")).Status);
        await using var second = await ManageSieveTranscript.ConnectAsync(fixture.Port);
        await second.StartTlsAsync();
        Assert.StartsWith("NO", await second.NoAsync("STARTTLS"), StringComparison.Ordinal);
        await second.OkAsync("NOOP");
    }

    // ----- AUTHENTICATE -----

    [Fact]
    public async Task AUTHENTICATE_before_TLS_is_NO_ENCRYPT_NEEDED()
    {
        var user = await fixture.NewUserAsync();
        await using var sieve = await ManageSieveTranscript.ConnectAsync(fixture.Port);
        var no = await sieve.NoAsync($"AUTHENTICATE \"PLAIN\" \"{ManageSieveTranscript.Plain(user.Address, Password)}\"");
        Assert.StartsWith("NO (ENCRYPT-NEEDED)", no, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AUTHENTICATE_PLAIN_with_an_initial_response_signs_in_and_CAPABILITY_names_the_OWNER()
    {
        var (sieve, user) = await fixture.SignedInAsync();
        await using (sieve)
        {
            var capability = await sieve.OkAsync("CAPABILITY");
            Assert.Contains($"\"OWNER\" \"{user.Address}\"", capability.Lines);
            Assert.Contains("\"SASL\" \"\"", capability.Lines);
            Assert.StartsWith("NO \"Already authenticated\"", await sieve.NoAsync("AUTHENTICATE \"PLAIN\" \"x\""), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AUTHENTICATE_PLAIN_with_a_continuation_as_a_literal_or_a_quoted_string_signs_in()
    {
        var user = await fixture.NewUserAsync();
        await using var sieve = await ManageSieveTranscript.ConnectAsync(fixture.Port);
        await sieve.StartTlsAsync();
        await sieve.SendAsync("Authenticate \"PLAIN\"\r\n");
        Assert.Equal("\"\"", await sieve.ReadLineAsync());
        var ok = await sieve.CommandAsync(Literal(ManageSieveTranscript.Plain(user.Address, Password)));
        Assert.True(ok.IsOk, ok.Status);
        await sieve.OkAsync("UNAUTHENTICATE");
        await sieve.SendAsync("AUTHENTICATE PLAIN\r\n");
        Assert.Equal("\"\"", await sieve.ReadLineAsync());
        await sieve.OkAsync($"\"{ManageSieveTranscript.Plain(user.Address, Password)}\"");
        await sieve.OkAsync("LISTSCRIPTS");
    }

    [Fact]
    public async Task AUTHENTICATE_cancelled_with_a_star_is_NO_and_the_session_goes_on()
    {
        await using var sieve = await ManageSieveTranscript.ConnectAsync(fixture.Port);
        await sieve.StartTlsAsync();
        await sieve.SendAsync("AUTHENTICATE \"PLAIN\"\r\n");
        Assert.Equal("\"\"", await sieve.ReadLineAsync());
        Assert.Equal("NO \"Authentication cancelled\"", await sieve.NoAsync("\"*\""));
        await sieve.OkAsync("NOOP");
    }

    [Fact]
    public async Task Wrong_passwords_are_NO_then_BYE_after_MaxAuthFailures_and_other_mechanisms_are_NO()
    {
        var user = await fixture.NewUserAsync();
        await using var sieve = await ManageSieveTranscript.ConnectAsync(fixture.Port);
        await sieve.StartTlsAsync();
        Assert.StartsWith("NO", await sieve.NoAsync("AUTHENTICATE \"DIGEST-MD5\""), StringComparison.Ordinal);
        Assert.Equal("NO \"Authentication failed\"", await sieve.NoAsync($"AUTHENTICATE \"PLAIN\" \"{ManageSieveTranscript.Plain(user.Address, "wrong-password")}\""));
        Assert.Equal("NO \"Cannot decode the PLAIN response\"", await sieve.NoAsync("AUTHENTICATE \"PLAIN\" \"!!!\""));
        // An unknown address fails like a wrong password, and it is the second failure.
        var bye = await sieve.CommandAsync($"AUTHENTICATE \"PLAIN\" \"{ManageSieveTranscript.Plain("nobody@example.com", Password)}\"");
        Assert.StartsWith("BYE", bye.Status, StringComparison.Ordinal);
        Assert.True(await sieve.IsClosedAsync());
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task Script_commands_before_sign_in_are_NO_and_unknown_commands_are_NO()
    {
        await using var sieve = await ManageSieveTranscript.ConnectAsync(fixture.Port);
        Assert.Equal("NO \"Authenticate first\"", await sieve.NoAsync("LISTSCRIPTS"));
        Assert.Equal("NO \"Authenticate first\"", await sieve.NoAsync($"PUTSCRIPT \"a\" {Literal(Keep)}"));
        Assert.Equal("NO \"Unknown command\"", await sieve.NoAsync("FROBNICATE"));
        Assert.Equal("NO \"Authenticate first\"", await sieve.NoAsync("UNAUTHENTICATE"));
        await sieve.OkAsync("NOOP");
    }

    // ----- Scripts -----

    [Fact]
    public async Task PUTSCRIPT_LISTSCRIPTS_GETSCRIPT_and_SETACTIVE_round_trip_a_script()
    {
        var (sieve, user) = await fixture.SignedInAsync();
        await using (sieve)
        {
            Assert.Empty((await sieve.OkAsync("LISTSCRIPTS")).Lines);
            await sieve.OkAsync($"PUTSCRIPT \"reports\" {Literal(FileInto)}");
            await sieve.OkAsync($"PUTSCRIPT \"Ferien \\\"Sommer\\\" ☀\" {Literal(Keep)}");
            Assert.Equal(["\"Ferien \\\"Sommer\\\" ☀\"", "\"reports\""], (await sieve.OkAsync("LISTSCRIPTS")).Lines);
            var get = await sieve.OkAsync("GETSCRIPT \"reports\"");
            Assert.Equal($"{{{Encoding.UTF8.GetByteCount(FileInto)}}}\r\n{FileInto}", Assert.Single(get.Lines));
            await sieve.OkAsync("SETACTIVE \"reports\"");
            Assert.Equal(["\"Ferien \\\"Sommer\\\" ☀\"", "\"reports\" ACTIVE"], (await sieve.OkAsync("LISTSCRIPTS")).Lines);
            Assert.Equal(FileInto, await Scripts.ActiveScriptAsync(user.Id));
            Assert.StartsWith("NO (NONEXISTENT)", await sieve.NoAsync("GETSCRIPT \"Reports\""), StringComparison.Ordinal);
            Assert.StartsWith("NO (NONEXISTENT)", await sieve.NoAsync("SETACTIVE \"missing\""), StringComparison.Ordinal);
            await sieve.OkAsync("SETACTIVE \"\"");
            Assert.Null(await Scripts.ActiveScriptAsync(user.Id));
        }
    }

    [Fact]
    public async Task A_synchronizing_literal_is_read_like_a_non_synchronizing_one()
    {
        var (sieve, user) = await fixture.SignedInAsync();
        await using (sieve)
        {
            await sieve.OkAsync($"PUTSCRIPT {{1}}\r\na {{{Keep.Length}}}\r\n{Keep}");
            Assert.Equal(Keep, await Scripts.GetAsync(user.Id, "a"));
        }
    }

    [Fact]
    public async Task PUTSCRIPT_and_CHECKSCRIPT_of_a_broken_script_are_NO_with_the_line_and_nothing_is_stored()
    {
        var (sieve, user) = await fixture.SignedInAsync();
        await using (sieve)
        {
            var broken = "require \"fileinto\";\r\nfilein \"X\";\r\n";
            Assert.Equal("NO \"line 2: unknown command 'filein'\"", await sieve.NoAsync($"PUTSCRIPT \"broken\" {Literal(broken)}"));
            Assert.Empty(await Scripts.ListAsync(user.Id));
            Assert.Equal("NO \"line 2: unknown command 'filein'\"", await sieve.NoAsync($"CHECKSCRIPT {Literal(broken)}"));
            Assert.StartsWith("NO \"line 1:", await sieve.NoAsync($"CHECKSCRIPT {Literal("fileinto \"X\";\r\n")}"), StringComparison.Ordinal);
            await sieve.OkAsync($"CHECKSCRIPT {Literal(FileInto)}");
            await sieve.OkAsync("CHECKSCRIPT \"keep;\"");
            Assert.Empty(await Scripts.ListAsync(user.Id));
        }
    }

    [Fact]
    public async Task DELETESCRIPT_refuses_the_active_script_and_a_missing_one()
    {
        var (sieve, user) = await fixture.SignedInAsync();
        await using (sieve)
        {
            await sieve.OkAsync($"PUTSCRIPT \"one\" {Literal(Keep)}");
            await sieve.OkAsync("SETACTIVE \"one\"");
            Assert.StartsWith("NO (ACTIVE)", await sieve.NoAsync("DELETESCRIPT \"one\""), StringComparison.Ordinal);
            Assert.StartsWith("NO (NONEXISTENT)", await sieve.NoAsync("DELETESCRIPT \"two\""), StringComparison.Ordinal);
            await sieve.OkAsync("SETACTIVE \"\"");
            await sieve.OkAsync("DELETESCRIPT \"one\"");
            Assert.Empty((await sieve.OkAsync("LISTSCRIPTS")).Lines);
        }
    }

    [Fact]
    public async Task RENAMESCRIPT_keeps_the_active_mark_and_refuses_a_taken_or_missing_name()
    {
        var (sieve, user) = await fixture.SignedInAsync();
        await using (sieve)
        {
            await sieve.OkAsync($"PUTSCRIPT \"one\" {Literal(Keep)}");
            await sieve.OkAsync($"PUTSCRIPT \"two\" {Literal(Keep)}");
            await sieve.OkAsync("SETACTIVE \"one\"");
            Assert.StartsWith("NO (ALREADYEXISTS)", await sieve.NoAsync("RENAMESCRIPT \"one\" \"two\""), StringComparison.Ordinal);
            Assert.StartsWith("NO (NONEXISTENT)", await sieve.NoAsync("RENAMESCRIPT \"three\" \"four\""), StringComparison.Ordinal);
            await sieve.OkAsync("RENAMESCRIPT \"one\" \"uno\"");
            Assert.Equal(["\"two\"", "\"uno\" ACTIVE"], (await sieve.OkAsync("LISTSCRIPTS")).Lines);
            Assert.Equal("uno", await Scripts.ActiveNameAsync(user.Id));
        }
    }

    [Fact]
    public async Task HAVESPACE_and_PUTSCRIPT_answer_QUOTA_MAXSIZE_and_QUOTA_MAXSCRIPTS()
    {
        var (sieve, _) = await fixture.SignedInAsync();
        await using (sieve)
        {
            await sieve.OkAsync($"HAVESPACE \"a\" {ManageSieveHost.MaxScriptSize}");
            Assert.StartsWith("NO (QUOTA/MAXSIZE)", await sieve.NoAsync($"HAVESPACE \"a\" {ManageSieveHost.MaxScriptSize + 1}"), StringComparison.Ordinal);
            Assert.StartsWith("NO \"Syntax", await sieve.NoAsync("HAVESPACE \"a\" \"10\""), StringComparison.Ordinal);
            for (var i = 1; i <= ManageSieveHost.MaxScripts; i++)
            {
                await sieve.OkAsync($"PUTSCRIPT \"s{i}\" {Literal(Keep)}");
            }
            Assert.StartsWith("NO (QUOTA/MAXSCRIPTS)", await sieve.NoAsync("HAVESPACE \"s4\" 10"), StringComparison.Ordinal);
            Assert.StartsWith("NO (QUOTA/MAXSCRIPTS)", await sieve.NoAsync($"PUTSCRIPT \"s4\" {Literal(Keep)}"), StringComparison.Ordinal);
            // Replacing a script needs no new slot.
            await sieve.OkAsync("HAVESPACE \"s1\" 10");
            await sieve.OkAsync($"PUTSCRIPT \"s1\" {Literal(FileInto)}");
        }
    }

    [Fact]
    public async Task A_literal_over_the_size_limit_is_read_past_and_refused_QUOTA_MAXSIZE_and_the_session_goes_on()
    {
        var (sieve, user) = await fixture.SignedInAsync();
        await using (sieve)
        {
            var big = "# " + new string('x', ManageSieveHost.MaxScriptSize) + "\r\nkeep;\r\n";
            Assert.StartsWith("NO (QUOTA/MAXSIZE)", await sieve.NoAsync($"PUTSCRIPT \"big\" {Literal(big)}"), StringComparison.Ordinal);
            Assert.Empty(await Scripts.ListAsync(user.Id));
            Assert.Equal("OK (TAG \"after\") \"Done\"", (await sieve.OkAsync("NOOP \"after\"")).Status);
        }
    }

    [Fact]
    public async Task An_absurd_literal_is_BYE_and_the_server_serves_others()
    {
        var (sieve, _) = await fixture.SignedInAsync();
        await using (sieve)
        {
            var bye = await sieve.CommandAsync("PUTSCRIPT \"huge\" {4000000000+}");
            Assert.StartsWith("BYE", bye.Status, StringComparison.Ordinal);
            Assert.True(await sieve.IsClosedAsync());
        }
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task A_script_that_is_not_UTF8_is_refused()
    {
        var (sieve, user) = await fixture.SignedInAsync();
        await using (sieve)
        {
            byte[] script = [.. "keep;"u8, 0xFF, (byte)'\n'];
            await sieve.SendAsync([.. "PUTSCRIPT \"bad\" {7+}\r\n"u8, .. script, .. "\r\n"u8]);
            var answer = await sieve.ReadAnswerAsync();
            Assert.Equal("NO \"A literal is not valid UTF-8\"", answer.Status);
            Assert.Empty(await Scripts.ListAsync(user.Id));
        }
    }

    [Fact]
    public async Task Wrong_arguments_are_NO_with_the_syntax()
    {
        var (sieve, _) = await fixture.SignedInAsync();
        await using (sieve)
        {
            Assert.Equal("NO \"Syntax: PUTSCRIPT name script\"", await sieve.NoAsync("PUTSCRIPT \"only-a-name\""));
            Assert.Equal("NO \"Syntax: GETSCRIPT name\"", await sieve.NoAsync("GETSCRIPT name"));
            Assert.Equal("NO \"This command takes no arguments\"", await sieve.NoAsync("LISTSCRIPTS \"x\""));
            Assert.StartsWith("NO", await sieve.NoAsync("PUTSCRIPT \"\" \"keep;\""), StringComparison.Ordinal);
            await sieve.OkAsync("NOOP");
        }
    }

    [Fact]
    public async Task UNAUTHENTICATE_returns_to_the_first_state_and_LOGOUT_closes()
    {
        var (sieve, _) = await fixture.SignedInAsync();
        await using (sieve)
        {
            await sieve.OkAsync("UNAUTHENTICATE");
            Assert.Equal("NO \"Authenticate first\"", await sieve.NoAsync("LISTSCRIPTS"));
            Assert.Equal("OK \"Logout complete\"", (await sieve.OkAsync("LOGOUT")).Status);
            Assert.True(await sieve.IsClosedAsync());
        }
    }

    // ----- Bad input -----

    [Fact]
    public async Task Malformed_lines_are_NO_with_what_is_wrong()
    {
        await using var sieve = await ManageSieveTranscript.ConnectAsync(fixture.Port);
        Assert.Equal("NO \"Unterminated quoted string\"", await sieve.NoAsync("NOOP \"open"));
        Assert.Equal("NO \"A literal's length must end the line\"", await sieve.NoAsync("NOOP {3+} x"));
        Assert.Equal("NO \"Bad literal length\"", await sieve.NoAsync("NOOP {abc+}"));
        Assert.Equal("NO \"Empty command\"", await sieve.NoAsync(""));
        await sieve.OkAsync("NOOP");
    }

    [Fact]
    public async Task An_overlong_line_is_NO_and_too_many_errors_end_with_BYE_while_others_are_served()
    {
        await using var sieve = await ManageSieveTranscript.ConnectAsync(fixture.Port);
        Assert.StartsWith("NO \"Line longer than", await sieve.NoAsync("NOOP \"" + new string('a', 9000) + "\""), StringComparison.Ordinal);
        await sieve.OkAsync("NOOP");
        for (var i = 2; i < ManageSieveHost.MaxErrors; i++)
        {
            await sieve.NoAsync("\u0001garbage");
        }
        var last = await sieve.CommandAsync("\u0001garbage");
        Assert.StartsWith("NO", last.Status, StringComparison.Ordinal);
        Assert.Equal("BYE \"Too many errors, closing\"", (await sieve.ReadAnswerAsync()).Status);
        Assert.True(await sieve.IsClosedAsync());
        await AssertStillServesAsync();
    }
}
