using System.Globalization;
using Appliance.Filtering.Sieve;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.ManageSieve;

/// <summary>The ManageSieve listener against a client others wrote: sieve-connect (Debian), over STARTTLS with AUTH PLAIN.</summary>
public sealed class ManageSieveEndToEndTests(ManageSieveHost fixture) : IClassFixture<ManageSieveHost>
{
    private const string Script = "require [\"fileinto\"];\r\nif header :contains \"Subject\" \"report\" {\r\n  fileinto \"Reports\";\r\n}\r\n";

    /// <summary>Runs sieve-connect as the user, the password on its standard input (<c>--passwordfd 0</c>).</summary>
    private async Task<(int ExitCode, string Output, string Error)> SieveConnectAsync(string user, params string[] action) =>
        await ExternalProgram.RunAsync("sieve-connect",
            ["--server", "127.0.0.1", "--port", fixture.Port.ToString(CultureInfo.InvariantCulture), "--user", user,
             "--passwordfd", "0", "--notlsverify", "--noclearchan", .. action],
            input: ManageSieveHost.Password + "\n", timeoutSeconds: 60);

    [Fact]
    public async Task Sieve_connect_uploads_activates_lists_downloads_and_deletes_a_script()
    {
        var user = await fixture.NewUserAsync();
        using var folder = new TempDirectory();
        var local = Path.Combine(folder.Path, "reports.sieve");
        await File.WriteAllTextAsync(local, Script);

        var upload = await SieveConnectAsync(user.Address, "--upload", "--localsieve", local, "--remotesieve", "reports");
        Assert.True(upload.ExitCode == 0, $"upload failed ({upload.ExitCode}): {upload.Error}\n{upload.Output}");
        var activate = await SieveConnectAsync(user.Address, "--activate", "--remotesieve", "reports");
        Assert.True(activate.ExitCode == 0, $"activate failed ({activate.ExitCode}): {activate.Error}\n{activate.Output}");

        var scripts = fixture.Host.Get<SieveScripts>();
        Assert.Equal(Script, await scripts.ActiveScriptAsync(user.Id));

        var list = await SieveConnectAsync(user.Address, "--list");
        Assert.True(list.ExitCode == 0, $"list failed ({list.ExitCode}): {list.Error}");
        Assert.Equal("\"reports\" ACTIVE\n", list.Output);

        var downloaded = Path.Combine(folder.Path, "back.sieve");
        var download = await SieveConnectAsync(user.Address, "--download", "--remotesieve", "reports", "--localsieve", downloaded);
        Assert.True(download.ExitCode == 0, $"download failed ({download.ExitCode}): {download.Error}");
        Assert.Equal(Script, await File.ReadAllTextAsync(downloaded));

        // The active script cannot be deleted (RFC 5804 §2.10); after deactivating it can.
        var refused = await SieveConnectAsync(user.Address, "--delete", "--remotesieve", "reports");
        Assert.NotEqual(0, refused.ExitCode);
        // sieve-connect's --deactivate names no script: it deactivates whichever is active (SETACTIVE "").
        var deactivate = await SieveConnectAsync(user.Address, "--deactivate");
        Assert.True(deactivate.ExitCode == 0, $"deactivate failed ({deactivate.ExitCode}): {deactivate.Error}\n{deactivate.Output}");
        Assert.Null(await scripts.ActiveScriptAsync(user.Id));
        Assert.Equal(0, (await SieveConnectAsync(user.Address, "--delete", "--remotesieve", "reports")).ExitCode);
        Assert.Empty(await scripts.ListAsync(user.Id));
    }

    [Fact]
    public async Task A_script_uploaded_and_activated_with_sieve_connect_acts_on_the_next_delivery()
    {
        var user = await fixture.NewUserAsync();
        using var folder = new TempDirectory();
        var local = Path.Combine(folder.Path, "rules.sieve");
        await File.WriteAllTextAsync(local, """
            require ["fileinto", "imap4flags"];
            if header :contains "Subject" "report" { fileinto :flags "\\Flagged" "Archive"; stop; }
            if header :contains "Subject" "lottery" { discard; stop; }
            """);
        Assert.Equal(0, (await SieveConnectAsync(user.Address, "--upload", "--localsieve", local, "--remotesieve", "rules")).ExitCode);
        Assert.Equal(0, (await SieveConnectAsync(user.Address, "--activate", "--remotesieve", "rules")).ExitCode);

        var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", $$"""
            import smtplib
            s = smtplib.SMTP('127.0.0.1', {{fixture.Host.SmtpPort}}, timeout=30)
            for subject in ['Weekly report', 'You won the lottery', 'Lunch?']:
                s.sendmail('anna@elsewhere.example', ['{{user.Address}}'], 'From: anna@elsewhere.example\r\nSubject: %s\r\n\r\nbody\r\n' % subject)
            s.quit()
            """]);
        Assert.True(code == 0, error + output);

        var store = fixture.Host.Get<Appliance.Mailstore.MailStore>();
        var archived = Assert.Single(await store.MessagesAsync(user.Address, "Archive"));
        Assert.Contains("\\Flagged", archived.Flags, StringComparison.Ordinal);
        Assert.Single(await store.MessagesAsync(user.Address));
        var (log, _) = await fixture.Host.Get<Appliance.Mail.MessageLog>().ListAsync(user.Address, Appliance.Mail.MessageStatus.Delivered, null, null, 0, 10);
        Assert.Contains(log, e => e.Detail.Contains("sieve: discard", StringComparison.Ordinal));
        Assert.Contains(log, e => e.Detail.Contains("sieve: Archive", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sieve_connect_checkscript_and_upload_report_a_broken_script_with_its_line()
    {
        var user = await fixture.NewUserAsync();
        using var folder = new TempDirectory();
        var broken = Path.Combine(folder.Path, "broken.sieve");
        await File.WriteAllTextAsync(broken, "require \"fileinto\";\r\nfilein \"X\";\r\n");
        var check = await SieveConnectAsync(user.Address, "--checkscript", "--localsieve", broken);
        Assert.NotEqual(0, check.ExitCode);
        Assert.Contains("line 2: unknown command 'filein'", check.Output + check.Error, StringComparison.Ordinal);
        var upload = await SieveConnectAsync(user.Address, "--upload", "--localsieve", broken, "--remotesieve", "broken");
        Assert.NotEqual(0, upload.ExitCode);
        Assert.Empty(await fixture.Host.Get<SieveScripts>().ListAsync(user.Id));
    }

    [Fact]
    public async Task Sieve_connect_with_a_wrong_password_is_refused()
    {
        var user = await fixture.NewUserAsync();
        var (code, output, error) = await ExternalProgram.RunAsync("sieve-connect",
            ["--server", "127.0.0.1", "--port", fixture.Port.ToString(CultureInfo.InvariantCulture), "--user", user.Address,
             "--passwordfd", "0", "--notlsverify", "--list"], input: "wrong-password\n");
        Assert.True(code != 0, $"sieve-connect signed in with a wrong password: {output}");
        Assert.Contains("Authentication failed", output + error, StringComparison.Ordinal);
    }
}
