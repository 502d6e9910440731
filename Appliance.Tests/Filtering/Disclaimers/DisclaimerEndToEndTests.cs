using System.Text;
using System.Text.Json;
using Appliance.Accounts;
using Appliance.Filtering.Dkim;
using Appliance.Filtering.Disclaimers;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Filtering.Disclaimers;

/// <summary>
/// A domain's disclaimer on mail a user submits over SMTP AUTH (smtplib, STARTTLS on the submission port) to elsewhere,
/// as the far end receives it: there once, under a DKIM signature that dkimpy verifies; a reply quoting it gets no second.
/// </summary>
public sealed class DisclaimerEndToEndTests : IAsyncLifetime
{
    private const string Password = "Str0ng-Passw0rd";
    private const string Footer = "Example Ltd, 1 High Street, Leeds. Registered in England no. 0123456.";
    private readonly LoopbackSmtpReceiver _receiver = new();
    private RunningHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await RunningHost.StartWithSmtpAsync($"--Appliance:Delivery:Routes:elsewhere.example=127.0.0.1:{_receiver.Port}");
        await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", Password, "Bob"));
        await _host.Get<DomainAuthentication>().SaveDisclaimerAsync(Actor.CommandLine, "example.com", new DisclaimerSettings(Footer, $"<p>{Footer}</p>"));
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    private async Task<string> SubmitAsync(string message, int expected)
    {
        var literal = "b'" + string.Concat(message.Select(c => c switch { '\r' => "\\r", '\n' => "\\n", '\'' => "\\'", '\\' => "\\\\", _ => c.ToString() })) + "'";
        var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", $$"""
            import smtplib, ssl
            c = ssl.create_default_context(); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE
            s = smtplib.SMTP('127.0.0.1', {{_host.SubmissionPort}}, timeout=20)
            s.starttls(context=c)
            s.login('bob@example.com', '{{Password}}')
            r = s.sendmail('bob@example.com', ['anna@elsewhere.example'], {{literal}})
            assert r == {}, r
            s.quit()
            """]);
        Assert.True(code == 0, $"python failed ({code}): {error}\n{output}");
        await Eventually.HoldsAsync(() => Task.FromResult(_receiver.Messages.Count >= expected), "the message reaches the receiver");
        return _receiver.Messages[expected - 1].Data;
    }

    private async Task<bool[]> DkimpyAsync(string message)
    {
        using var folder = new TempDirectory();
        var keys = _host.Get<DkimKeyStore>().Keys("example.com");
        var published = Path.Combine(folder.Path, "keys.json");
        await File.WriteAllTextAsync(published, JsonSerializer.Serialize(keys.ToDictionary(k => k.RecordName, k => k.TxtRecord)));
        var path = Path.Combine(folder.Path, "received.eml");
        await File.WriteAllBytesAsync(path, Encoding.UTF8.GetBytes(message));
        var script = Path.Combine(AppContext.BaseDirectory, "TestData", "Dkim", "oracle.py");
        var (exit, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, [script, "verify", path, published]);
        Assert.True(exit == 0, $"oracle.py exited {exit}: {error}");
        return JsonSerializer.Deserialize<bool[]>(output.Trim())!;
    }

    private static int Count(string text, string needle) => (text.Length - text.Replace(needle, "", StringComparison.Ordinal).Length) / needle.Length;

    [Fact]
    public async Task Submitted_mail_to_elsewhere_carries_the_disclaimer_once_under_a_signature_dkimpy_verifies()
    {
        _host.Get<DkimKeyStore>().EnsureKeys("example.com");
        var received = await SubmitAsync(
            "From: Bob <bob@example.com>\r\nTo: anna@elsewhere.example\r\nSubject: Figures\r\nMessage-ID: <e2e-1@example.com>\r\n" +
            "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n" +
            "--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello Anna, the figures.\r\n" +
            "--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>Hello Anna, the figures.</p></body></html>\r\n--alt--\r\n", 1);

        Assert.Equal(1, Count(received, "\r\n\r\n" + Footer + "\r\n"));
        Assert.Equal(1, Count(received, $"<div data-appliance-disclaimer=\"1\"><p>{Footer}</p></div>"));
        Assert.Equal(new[] { true, true }, await DkimpyAsync(received));

        // Anna's reply quotes it; Bob's answer to that is not given a second one.
        var reply = await SubmitAsync(
            "From: Bob <bob@example.com>\r\nTo: anna@elsewhere.example\r\nSubject: Re: Figures\r\nMessage-ID: <e2e-2@example.com>\r\n" +
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee you then.\r\n\r\n> Hello Anna, the figures.\r\n>\r\n> " + Footer + "\r\n", 2);

        Assert.Equal(1, Count(reply, Footer));
        Assert.Equal(new[] { true, true }, await DkimpyAsync(reply));
    }
}
